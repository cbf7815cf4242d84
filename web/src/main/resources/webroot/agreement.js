// Kaizen agreement view (after page.js): the figures of /api/review/agreement as tables. Text goes in with textContent.
'use strict';

const fixed = (x, digits) => (x === null || x === undefined ? '–' : x.toFixed(digits));
const percent = (x) => (x === null || x === undefined ? '–' : Math.round(x * 100) + ' %');

function row(...cells) {
  const tr = el('tr');
  tr.append(...cells.map((c) => el('td', '', c)));
  return tr;
}

async function load() {
  const response = await api('/api/review/agreement');
  if (!response.ok) return;
  const body = await response.json();
  document.querySelector('#reviewers tbody').replaceChildren(...body.reviewers.map((r) =>
    row(r.name, String(r.tasks), fixed(r.median_seconds, 1), fixed(r.alpha, 2), percent(r.with_majority))));
  const note = document.getElementById('agreement-note');
  const rankers = body.reviewers.filter((r) => r.tasks > 0);
  note.textContent = rankers.length === 0 ? 'No rankings submitted yet: the figures appear as reviewers rank answers.'
    : body.overall && body.overall.alpha === null
      ? (rankers.length === 1 ? 'Only one reviewer has ranked so far (' + rankers[0].name + '). '
        : 'No two reviewers have ranked the same task yet. ')
        + 'Agreement needs at least two reviewers ranking the same tasks; raise review.overlap for it.'
      : !body.overall && rankers.every((r) => r.with_majority === null)
        ? 'Nobody else has ranked the tasks you ranked yet, so there is no agreement to show; throughput is below.'
        : '';
  note.hidden = !note.textContent;
  if (body.overall) {
    const o = body.overall;
    document.getElementById('overall-text').textContent = `alpha ${fixed(o.alpha, 3)} · pairwise agreement `
      + `${percent(o.pairwise)} · ${o.judgements} rankings of ${o.tasks} tasks`;
    document.getElementById('overall').hidden = false;
    document.getElementById('disputed-rows').replaceChildren(...body.most_disputed.map((t) =>
      row(t.task_id, percent(t.disagreement))));
    document.getElementById('disputed').hidden = false;
  }
}

load();

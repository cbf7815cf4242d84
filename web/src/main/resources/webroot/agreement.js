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

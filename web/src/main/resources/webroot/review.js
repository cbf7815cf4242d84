// Kaizen review workspace (after page.js): keyboard first. All text from users and the model is inserted with textContent.
//
// Ranking: press the answers' numbers from best to worst; "=" before a number ties it with the one before; "x"
// before a number flags it unacceptable; Backspace undoes; Enter submits and the next task comes, focused.
//
// Comparing (the evaluation gate's blind A/B tasks): A, B, T (tie) or X (both bad) picks a verdict, Enter casts it.
'use strict';

const taskEl = document.getElementById('task');
const emptyEl = document.getElementById('empty');
const noticeEl = document.getElementById('notice');
const contextEl = document.getElementById('context');
const candidatesEl = document.getElementById('candidates');
const orderEl = document.getElementById('order');
const skipForm = document.getElementById('skip-form');
const skipReason = document.getElementById('skip-reason');
const editingEl = document.getElementById('editing');
const idealEl = document.getElementById('ideal');
const kind = document.getElementById('review').dataset.kind || 'rank';
const SCALES = ['helpfulness', 'correctness', 'tone'];
const FLAG_KEYS = { p: 'personal_data', u: 'unsafe', o: 'off_topic' };
let scales = {};           // label tasks: scale -> 1..5
let labelFlags = new Set();
let activeScale = 0;
const VERDICTS = { a: 'A is better', b: 'B is better', t: 'Tie', x: 'Both are bad' };
const CHOICES = { a: 'a', b: 'b', t: 'tie', x: 'both_bad' };
const verdictEl = document.getElementById('verdict');
let verdict = null;      // compare tasks: the key of the verdict picked, not cast yet

let work = null;       // the task being ranked, as /api/review/next gives it
let groups = [];       // the ordering: groups[i] holds the ids ranked i + 1 (more than one: a tie)
let flagged = new Set();
let pending = null;    // '=' or 'x' pressed, waiting for a number
let editing = false;   // changing a submission (E) rather than doing new work
let busy = false;
let draftTimer = null;
let pollTimer = null;

function notice(text) {
  noticeEl.textContent = text || '';
  noticeEl.hidden = !text;
}

function idOfKey(key) {
  const c = work?.candidates.find((x) => String(x.key) === key);
  return c ? c.message_id : null;
}

function rankOf(id) {
  const i = groups.findIndex((g) => g.includes(id));
  return i < 0 ? null : i + 1;
}

function placedCount() {
  return groups.reduce((n, g) => n + g.length, 0);
}

function renderLabels() {
  document.querySelectorAll('#labels .scale').forEach((row, i) => {
    row.classList.toggle('active', i === activeScale);
    row.querySelector('.value').textContent = scales[row.dataset.scale] ?? '–';
  });
  document.querySelectorAll('#labels .flag').forEach((f) => f.classList.toggle('on', labelFlags.has(f.dataset.flag)));
}

function renderVerdict() {
  verdictEl.textContent = verdict ? VERDICTS[verdict] : 'none yet';
  for (const card of candidatesEl.children) {
    card.classList.toggle('placed', verdict === card.dataset.id || verdict === 't');
    card.classList.toggle('flagged', verdict === 'x');
  }
}

function render() {
  if (kind === 'compare') { renderVerdict(); return; }
  if (kind === 'label') { renderLabels(); return; }
  if (kind === 'ideal') return;
  for (const card of candidatesEl.children) {
    const id = card.dataset.id;
    const rank = rankOf(id);
    card.classList.toggle('placed', rank !== null);
    card.classList.toggle('flagged', flagged.has(id));
    card.querySelector('.rank').textContent = rank === null ? '–' : '#' + rank;
  }
  const keyOf = (id) => work.candidates.find((c) => c.message_id === id).key + (flagged.has(id) ? '✗' : '');
  orderEl.textContent = groups.length === 0 ? 'nothing yet'
    : groups.map((g) => g.map(keyOf).join(' = ')).join(' > ')
      + (pending === '=' ? ' = …' : pending === 'x' ? '  (flag which?)' : '');
}

function show(next, asEdit) {
  work = next;
  editing = asEdit;
  groups = [];
  flagged = new Set();
  pending = null;
  skipForm.hidden = true;
  editingEl.hidden = !asEdit;
  if (!work) {
    taskEl.hidden = true;
    emptyEl.hidden = false;
    clearTimeout(pollTimer);
    pollTimer = setTimeout(loadNext, 3000);
    return;
  }
  verdict = null;
  if (kind === 'compare') {
    showComparison();
    return;
  }
  const saved = asEdit ? fromRanking(work.ranking) : work.draft;
  if (kind === 'label') {
    const l = asEdit ? work.labels : work.draft;
    scales = {};
    SCALES.forEach((s) => { if (l?.[s] ?? l?.scales?.[s]) scales[s] = l[s] ?? l.scales[s]; });
    labelFlags = new Set(l?.flags || []);
    activeScale = 0;
  } else if (kind === 'ideal') {
    idealEl.value = asEdit ? (work.ideal_answer || '') : (work.draft?.text ?? work.candidates[0]?.content ?? '');
  } else if (saved) {
    groups = (saved.groups || []).map((g) => g.filter((id) => work.candidates.some((c) => c.message_id === id)))
      .filter((g) => g.length > 0);
    flagged = new Set(saved.flagged || []);
  }
  document.getElementById('task-priority').textContent = { disliked: 'a disliked answer', uncertain: 'an uncertain one', random: 'random traffic' }[work.priority] || '';
  document.getElementById('system-prompt').textContent = work.system_prompt || '(none)';
  contextEl.replaceChildren(...work.history.map((m) => el('li', m.role, m.content)));
  candidatesEl.replaceChildren(...work.candidates.map((c) => {
    const card = el('li', 'candidate');
    card.dataset.id = c.message_id;
    card.append(el('span', 'key', String(c.key)), el('div', 'text', c.content), el('span', 'rank', '–'));
    if (kind === 'rank') card.addEventListener('click', () => place(c.message_id));
    return card;
  }));
  emptyEl.hidden = true;
  taskEl.hidden = false;
  taskEl.dataset.workId = String(work.work_id);
  render();
  // keyboard-only use: the next task has the focus, nothing to click
  if (kind === 'ideal') idealEl.focus(); else taskEl.focus();
  taskEl.scrollIntoView({ block: 'start' });
}

/** A blind comparison: the conversation and the two answers as A and B, nothing about which model wrote which. */
function showComparison() {
  document.getElementById('task-priority').textContent = 'a blind comparison of two versions';
  document.getElementById('system-prompt').textContent = work.system_prompt || '(none)';
  contextEl.replaceChildren(...work.history.map((m) => el('li', m.role, m.content)));
  candidatesEl.replaceChildren(...work.answers.map((a) => {
    const card = el('li', 'candidate');
    card.dataset.id = a.key;
    card.append(el('span', 'key', a.key.toUpperCase()), el('div', 'text', a.content), el('span', 'rank', ''));
    card.addEventListener('click', () => { verdict = a.key; render(); });
    return card;
  }));
  emptyEl.hidden = true;
  taskEl.hidden = false;
  taskEl.dataset.workId = work.task_id;
  render();
  taskEl.focus();
  taskEl.scrollIntoView({ block: 'start' });
}

async function submitVote() {
  if (!work || busy) return;
  if (!verdict) { notice('Pick a verdict first: A, B, T (tie) or X (both bad).'); return; }
  busy = true;
  try {
    const response = await api(`/api/review/compare/${work.task_id}/vote`, { method: 'POST', body: { choice: CHOICES[verdict] } });
    if (!response.ok) { notice(await errorOf(response)); if (response.status === 409) await loadNext(); return; }
    notice('Voted.');
    await loadNext();
  } finally {
    busy = false;
  }
}

function fromRanking(ranking) {
  if (!ranking) return null;
  const byRank = new Map();
  for (const e of ranking) {
    if (!byRank.has(e.rank)) byRank.set(e.rank, []);
    byRank.get(e.rank).push(e.message_id);
  }
  return {
    groups: [...byRank.keys()].sort((a, b) => a - b).map((r) => byRank.get(r)),
    flagged: ranking.filter((e) => e.unacceptable).map((e) => e.message_id),
  };
}

async function loadNext() {
  clearTimeout(pollTimer);
  const response = await api('/api/review/next?kind=' + kind);
  if (!response.ok) { notice(await errorOf(response)); return; }
  show((await response.json()).task, false);
  loadProgress();
}

async function loadLast() {
  if (kind === 'compare') return; // a vote is final
  const response = await api('/api/review/last?kind=' + kind);
  if (!response.ok) { notice(await errorOf(response)); return; }
  const last = (await response.json()).task;
  if (!last) { notice('Nothing of yours can still be changed.'); return; }
  notice(kind === 'ideal' ? 'Editing your last answer; Ctrl+Enter saves it.'
    : 'Editing your last submission; Enter saves it.');
  show(last, true);
}

function changed() {
  render();
  if (editing || !work || kind === 'compare') return;
  clearTimeout(draftTimer);
  const id = work.work_id;
  const draft = kind === 'ideal' ? { text: idealEl.value }
    : kind === 'label' ? { scales, flags: [...labelFlags] } : { groups, flagged: [...flagged] };
  draftTimer = setTimeout(() => api(`/api/review/work/${id}/draft`, { method: 'PUT', body: { draft } }), 400);
}

function place(id) {
  if (!id) return;
  if (pending === 'x') {
    pending = null;
    if (flagged.has(id)) flagged.delete(id); else flagged.add(id);
    changed();
    return;
  }
  if (rankOf(id) !== null) { pending = null; notice('Already placed; Backspace undoes.'); render(); return; }
  if (pending === '=' && groups.length > 0) groups[groups.length - 1].push(id);
  else groups.push([id]);
  pending = null;
  notice('');
  changed();
}

function undo() {
  if (pending) { pending = null; render(); return; }
  if (groups.length === 0) return;
  const last = groups[groups.length - 1];
  last.pop();
  if (last.length === 0) groups.pop();
  changed();
}

async function submitIdeal() {
  if (!work || busy) return;
  const answer = idealEl.value.trim();
  if (!answer) { notice('Write the answer first.'); return; }
  busy = true;
  clearTimeout(draftTimer);
  try {
    const response = await api(`/api/review/work/${work.work_id}/ideal`, { method: 'POST', body: { answer } });
    if (!response.ok) { notice(await errorOf(response)); return; }
    notice('Saved.');
    await loadNext();
  } finally {
    busy = false;
  }
}

async function submitLabels() {
  if (!work || busy) return;
  const missing = SCALES.filter((s) => !scales[s]);
  if (missing.length) { notice('Rate ' + missing.join(', ') + ' first.'); return; }
  busy = true;
  clearTimeout(draftTimer);
  try {
    const labels = { ...scales, flags: [...labelFlags] };
    const response = await api(`/api/review/work/${work.work_id}/labels`, { method: 'POST', body: { labels } });
    if (!response.ok) { notice(await errorOf(response)); return; }
    notice('Saved.');
    await loadNext();
  } finally {
    busy = false;
  }
}

function labelKey(key) {
  if (/^[1-5]$/.test(key)) {
    scales[SCALES[activeScale]] = Number(key);
    activeScale = Math.min(activeScale + 1, SCALES.length - 1);
  } else if (key === 'arrowdown') activeScale = Math.min(activeScale + 1, SCALES.length - 1);
  else if (key === 'arrowup') activeScale = Math.max(activeScale - 1, 0);
  else if (FLAG_KEYS[key]) {
    const f = FLAG_KEYS[key];
    if (labelFlags.has(f)) labelFlags.delete(f); else labelFlags.add(f);
  } else return false;
  changed();
  return true;
}

async function submit() {
  if (kind === 'compare') { submitVote(); return; }
  if (kind === 'ideal') { submitIdeal(); return; }
  if (kind === 'label') { submitLabels(); return; }
  if (!work || busy) return;
  if (placedCount() < work.candidates.length) {
    notice(`Place every answer first (${placedCount()} of ${work.candidates.length}).`);
    return;
  }
  busy = true;
  clearTimeout(draftTimer);
  const ranking = [];
  groups.forEach((g, i) => g.forEach((id) => ranking.push({ message_id: id, rank: i + 1, unacceptable: flagged.has(id) })));
  try {
    const response = await api(`/api/review/work/${work.work_id}/ranking`, { method: 'POST', body: { ranking } });
    if (!response.ok) { notice(await errorOf(response)); return; }
    const saved = await response.json();
    notice(`Saved (${saved.pairs} pairs).`);
    await loadNext();
    loadMine();
  } finally {
    busy = false;
  }
}

function openSkip() {
  if (!work || editing) return;
  skipForm.hidden = false;
  skipReason.value = '';
  skipReason.focus();
}

skipForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const reason = skipReason.value.trim();
  if (!reason) { notice('Say why you skip.'); return; }
  const path = kind === 'compare' ? `/api/review/compare/${work.task_id}/skip` : `/api/review/work/${work.work_id}/skip`;
  const response = await api(path, { method: 'POST', body: { reason } });
  if (!response.ok) { notice(await errorOf(response)); return; }
  notice('Skipped.');
  await loadNext();
});

if (idealEl) {
  idealEl.addEventListener('input', changed);
  idealEl.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); submitIdeal(); }
    else if (e.key === 'Escape') { e.preventDefault(); taskEl.focus(); }
  });
}

skipReason.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') { skipForm.hidden = true; taskEl.focus(); }
});

document.getElementById('submit').addEventListener('click', submit);
document.getElementById('skip').addEventListener('click', openSkip);
document.getElementById('edit')?.addEventListener('click', loadLast);

document.addEventListener('keydown', (e) => {
  const t = e.target;
  if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || e.ctrlKey || e.metaKey || e.altKey) return;
  if (t instanceof HTMLButtonElement && e.key === 'Enter') return; // the button's own click
  const key = e.key.toLowerCase();
  if (kind === 'compare' && work && (VERDICTS[key] || key === '1' || key === '2')) {
    // here A and B are verdicts, not the agreement view
    verdict = key === '1' ? 'a' : key === '2' ? 'b' : key;
    notice('');
    render();
    e.preventDefault();
    return;
  }
  if (key === 'c' && kind !== 'compare') { location.href = '/review?kind=compare'; }
  else if (key === 'r' && kind !== 'rank') { location.href = '/review?kind=rank'; }
  else if (key === 'i' && kind !== 'ideal') { location.href = '/review?kind=ideal'; }
  else if (key === 'l' && kind !== 'label') { location.href = '/review?kind=label'; }
  else if (key === 'a' && kind !== 'compare') { location.href = '/review/agreement'; }
  else if (kind === 'compare' && /^[3-9=x]$|^backspace$|^e$/.test(key)) { return; }
  else if (kind === 'label' && labelKey(key)) { /* handled */ }
  else if (kind === 'label' && /^[6-9=x]$|^backspace$/.test(key)) { return; }
  else if (kind === 'ideal' && key === 'w') { idealEl.focus(); }
  else if (kind === 'ideal' && /^[1-9=x]$|^backspace$/.test(key)) { return; }
  else if (/^[1-9]$/.test(key)) { place(idOfKey(key)); }
  else if (key === '=' && groups.length > 0) { pending = '='; render(); }
  else if (key === 'x') { pending = 'x'; render(); }
  else if (key === 'backspace') { undo(); }
  else if (key === 'enter') { submit(); }
  else if (key === 's') { openSkip(); }
  else if (key === 'e') { loadLast(); }
  else if (key === 'escape') { pending = null; verdict = null; render(); }
  else return;
  e.preventDefault();
});

const plural = (n, one, many) => n + ' ' + (n === 1 ? one : many);
const DONE_NAMES = { rank: ['ranking', 'rankings'], ideal: ['ideal answer', 'ideal answers'],
  label: ['label', 'labels'], compare: ['comparison', 'comparisons'] };
let progress = null; // /api/review/progress: what the reviewer has done of every kind, and what is left of this one

async function loadProgress() {
  const response = await api('/api/review/progress?kind=' + kind);
  if (!response.ok) return;
  progress = await response.json();
  const left = progress.remaining;
  document.getElementById('remaining').textContent = left === 0 ? 'No tasks left for you in this mode.'
    : plural(left, 'task', 'tasks') + ' left for you in this mode.';
  renderMine();
}

let agreement = null; // /api/review/agreement's row of this reviewer (rankings only: agreement is about orderings)

async function loadMine() {
  const response = await api('/api/review/agreement');
  if (!response.ok) return;
  const body = await response.json();
  agreement = { me: body.reviewers.find((r) => r.reviewer === body.you), overall: body.overall };
  renderMine();
}

function renderMine() {
  if (!progress) return;
  const done = progress.done;
  const total = Object.values(done).reduce((a, b) => a + b, 0);
  const kinds = Object.keys(DONE_NAMES).filter((k) => done[k] > 0)
    .map((k) => plural(done[k], ...DONE_NAMES[k]));
  const lines = [total === 0 ? 'Nothing submitted yet.'
    : plural(total, 'task', 'tasks') + ' done: ' + kinds.join(', ') + '.'];
  const me = agreement?.me;
  if (me && done.rank > 0) {
    lines.push('Median ' + (me.median_seconds === null ? '–' : me.median_seconds.toFixed(1) + ' s') + ' per ranking.');
    lines.push(me.with_majority === null
      ? 'Agreement with the majority: not yet; it needs other reviewers who ranked the same tasks.'
      : 'Agreement with the majority: ' + Math.round(me.with_majority * 100) + ' %.');
  }
  if (agreement?.overall?.alpha != null) lines.push('All reviewers: α ' + agreement.overall.alpha.toFixed(2) + '.');
  document.getElementById('mine-text').replaceChildren(...lines.map((l) => el('span', 'line', l)));
}

loadNext();
loadMine();

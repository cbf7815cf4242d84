// Kaizen chat page. All text from users and the model is inserted with textContent, never as markup.
'use strict';

const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? '';
const chatEl = document.getElementById('chat');
const reasons = (chatEl.dataset.reasons || '').split('|').filter(Boolean);
const messagesEl = document.getElementById('messages');
const listEl = document.getElementById('conversation-list');
const noticeEl = document.getElementById('notice');
const form = document.getElementById('composer');
const input = document.getElementById('message');
const sendBtn = document.getElementById('send');
const stopBtn = document.getElementById('stop');
const answerTemplate = document.getElementById('answer-template');

let conversationId = new URLSearchParams(location.search).get('c');
let controller = null;
let sending = false; // from the click on Send until the answer ends: a second click or Enter does nothing

function api(path, options = {}) {
  const headers = { 'X-CSRF-Token': csrf, ...(options.headers || {}) };
  if (options.body && typeof options.body !== 'string') {
    headers['Content-Type'] = 'application/json';
    options.body = JSON.stringify(options.body);
  }
  return fetch(path, { credentials: 'same-origin', ...options, headers });
}

async function errorOf(response) {
  try { return (await response.json()).error || response.statusText; } catch { return response.statusText; }
}

// An error (announced at once: role=alert), or with note set a small remark about the answer (e.g. what of the
// conversation the model saw; role=status, announced politely).
function notice(text, note) {
  noticeEl.setAttribute('role', note ? 'status' : 'alert');
  noticeEl.textContent = text || '';
  noticeEl.hidden = !text;
  noticeEl.classList.toggle('note', !!note);
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

async function loadList() {
  const response = await api('/api/conversations');
  if (!response.ok) return;
  listEl.replaceChildren();
  for (const c of await response.json()) {
    const item = el('li');
    const link = el('a', c.id === conversationId ? 'current' : '', c.title || 'New conversation');
    link.href = '/?c=' + encodeURIComponent(c.id);
    link.addEventListener('click', (e) => { e.preventDefault(); go(c.id); });
    item.append(link);
    listEl.append(item);
  }
}

function urlOf(id) {
  return id ? '/?c=' + encodeURIComponent(id) : '/';
}

// Opening another conversation is a step in the browser's history, so Back returns to the one before.
function go(id) {
  if (id !== conversationId) history.pushState({ c: id }, '', urlOf(id));
  open(id);
}

window.addEventListener('popstate', () => open(new URLSearchParams(location.search).get('c')));

async function open(id) {
  conversationId = id;
  messagesEl.replaceChildren();
  notice('');
  if (!id) { loadList(); return; }
  const response = await api('/api/conversations/' + encodeURIComponent(id));
  if (conversationId !== id) return; // another was opened meanwhile (Back pressed twice quickly)
  if (!response.ok) { notice(await errorOf(response)); conversationId = null; return; }
  const conversation = await response.json();
  if (conversationId !== id) return;
  for (const m of conversation.messages) {
    if (m.role === 'user') messagesEl.append(el('article', 'message user', m.content));
    else if (m.role === 'assistant') messagesEl.append(answerView(m));
  }
  if (conversation.pending_comparison) {
    const p = conversation.pending_comparison;
    // The branch ends at A until the user chooses; show the pair instead of A alone.
    messagesEl.lastElementChild?.remove();
    const pair = pairView(p.id, [p.a.id, p.b.id]);
    pair.sides.get(p.a.id).querySelector('.content').textContent = p.a.content;
    pair.sides.get(p.b.id).querySelector('.content').textContent = p.b.content;
    messagesEl.append(pair.root);
    pair.ready();
  }
  loadList();
  scrollDown();
}

function scrollDown() { messagesEl.scrollTop = messagesEl.scrollHeight; }

function answerView(message) {
  const node = answerTemplate.content.firstElementChild.cloneNode(true);
  node.dataset.id = message.id || '';
  node.querySelector('.content').textContent = message.content || '';
  const up = node.querySelector('.thumbs-up');
  const down = node.querySelector('.thumbs-down');
  const why = node.querySelector('.why');
  const saved = node.querySelector('.saved');
  const starsEl = node.querySelector('.stars');
  const reasonsEl = node.querySelector('.reasons');
  for (const r of reasons) {
    const label = el('label', 'reason');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.value = r;
    label.append(box, document.createTextNode(' ' + r));
    reasonsEl.append(label);
  }
  const stars = [];
  for (let i = 1; i <= 5; i++) {
    const star = el('button', 'icon star', '☆');
    star.type = 'button';
    star.title = i + (i === 1 ? ' star' : ' stars');
    star.addEventListener('click', () => rate(node, { stars: i }));
    stars.push(star);
    starsEl.append(star);
  }
  node.showRating = (rating) => {
    const thumbs = rating?.thumbs ?? 0;
    up.setAttribute('aria-pressed', String(thumbs === 1));
    down.setAttribute('aria-pressed', String(thumbs === -1));
    stars.forEach((s, i) => { s.textContent = rating?.stars && i < rating.stars ? '★' : '☆'; });
    // While the reasons form is open the person is filling it in: a late answer to the thumbs' own request must not
    // untick what they just ticked.
    if (!why.hidden) return;
    for (const box of reasonsEl.querySelectorAll('input')) box.checked = (rating?.reasons || []).includes(box.value);
    if (rating?.comment) why.comment.value = rating.comment;
  };
  node.showRating(message.rating);
  up.addEventListener('click', () => { why.hidden = true; rate(node, { thumbs: up.getAttribute('aria-pressed') === 'true' ? 0 : 1 }); });
  down.addEventListener('click', () => {
    const on = down.getAttribute('aria-pressed') === 'true';
    why.hidden = on;
    rate(node, { thumbs: on ? 0 : -1 });
  });
  why.addEventListener('submit', (e) => {
    e.preventDefault();
    const chosen = [...reasonsEl.querySelectorAll('input:checked')].map((b) => b.value);
    rate(node, { thumbs: -1, reasons: chosen, comment: why.comment.value }).then(() => { why.hidden = true; });
  });
  node.querySelector('.copy').addEventListener('click', () =>
    navigator.clipboard?.writeText(node.querySelector('.content').textContent));
  node.querySelector('.regenerate').addEventListener('click', () => regenerate(node.dataset.id));
  node.saved = saved;
  return node;
}

// One rating change of an answer at a time, in order: a thumbs down and the reasons sent right after it must not
// reach the server the other way round (the later would lose the reasons).
function rate(node, change) {
  node.ratingQueue = (node.ratingQueue || Promise.resolve()).catch(() => {}).then(() => sendRating(node, change));
  return node.ratingQueue;
}

async function sendRating(node, change) {
  if (!node.dataset.id) return;
  const response = await api('/api/messages/' + node.dataset.id + '/rating', { method: 'PUT', body: change });
  if (!response.ok) { notice(await errorOf(response)); return; }
  node.showRating(await response.json());
  node.saved.hidden = false;
  setTimeout(() => { node.saved.hidden = true; }, 1500);
}

// Two answers side by side as A and B, with the four verdicts.
function pairView(comparisonId, answerIds) {
  const root = el('section', 'pair');
  root.append(el('p', 'pair-title', 'Which answer is better?'));
  const columns = el('div', 'pair-columns');
  const sides = new Map();
  answerIds.forEach((id, i) => {
    const side = el('article', 'message assistant side');
    side.dataset.id = id;
    side.append(el('h3', 'side-label', i === 0 ? 'A' : 'B'), el('div', 'content'));
    sides.set(id, side);
    columns.append(side);
  });
  const verdicts = el('div', 'verdicts');
  verdicts.hidden = true;
  for (const [choice, label] of [['a', 'A is better'], ['b', 'B is better'], ['tie', 'Tie'], ['both_bad', 'Both are bad']]) {
    const b = el('button', 'verdict', label);
    b.type = 'button';
    b.dataset.choice = choice;
    b.addEventListener('click', async () => {
      const response = await api('/api/comparisons/' + comparisonId + '/choice', { method: 'PUT', body: { choice } });
      if (!response.ok) { notice(await errorOf(response)); return; }
      const decided = await response.json();
      if (decided.continues_conversation) { open(conversationId); return; }
      // A pair further up, with later turns below it: the choice is a preference only; the turns stay.
      verdicts.querySelectorAll('button').forEach((v) => {
        v.disabled = true;
        v.setAttribute('aria-pressed', String(v === b));
      });
      const kept = root.querySelector('.side')?.querySelector('.side-label')?.textContent || 'A';
      const note = el('p', 'pair-note', 'Your choice is saved. The messages below it continue from answer ' + kept + '.');
      note.setAttribute('role', 'status');
      root.append(note);
    });
    verdicts.append(b);
  }
  root.append(columns, verdicts);
  return { root, sides, ready: () => { verdicts.hidden = false; } };
}

// Reads the server-sent events of a POST (EventSource cannot POST).
async function stream(path, body, handlers) {
  controller = new AbortController();
  sendBtn.disabled = true;
  stopBtn.hidden = false;
  try {
    const response = await api(path, { method: 'POST', body, signal: controller.signal });
    if (!response.ok) {
      const retry = response.headers.get('Retry-After');
      notice(await errorOf(response) + (retry ? ' (retry in ' + retry + ' s)' : ''));
      return false;
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const chunk = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event = /^event: (.*)$/m.exec(chunk)?.[1];
        const data = /^data: (.*)$/m.exec(chunk)?.[1];
        if (event && data && handlers[event]) handlers[event](JSON.parse(data));
      }
    }
    return true;
  } catch (e) {
    if (e.name !== 'AbortError') notice('The connection was lost.');
    return false;
  } finally {
    controller = null;
    sendBtn.disabled = false;
    stopBtn.hidden = true;
  }
}

function answerHandlers() {
  const views = new Map();
  let pair = null;
  let started = false;
  return {
    /** Whether the server took the message (a refused one is not stored). */
    get started() { return started; },
    start(info) {
      started = true;
      const notes = [];
      if (info.dropped_messages > 0) notes.push('Earlier messages were left out so the conversation fits the model.');
      if (info.message_cut) notes.push('Your message was too long for the model: only its end was read.');
      if (notes.length) notice(notes.join(' '), true);
      if (info.answers.length === 2) {
        pair = pairView(info.comparison_id, info.answers);
        pair.sides.forEach((view, id) => views.set(id, view));
        messagesEl.append(pair.root);
      } else {
        const view = answerView({ id: info.answers[0], content: '' });
        views.set(info.answers[0], view);
        messagesEl.append(view);
      }
    },
    token(t) {
      const view = views.get(t.answer);
      if (view) { view.querySelector('.content').textContent += t.text; scrollDown(); }
    },
    done(d) {
      const view = views.get(d.message_id);
      if (view && d.finish_reason === 'length') view.classList.add('truncated');
    },
    end() { if (pair) pair.ready(); loadList(); },
    error(e) { notice(e.error); },
  };
}

// An id for one message the user sends: the server does it once however often it arrives (a double click, a
// retry). getRandomValues, unlike randomUUID, also works on pages served over plain http.
function newRequestId() {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((x) => x.toString(16).padStart(2, '0')).join('');
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const text = input.value.trim();
  if (!text || controller || sending) return;
  sending = true;
  sendBtn.disabled = true;
  try {
    notice('');
    const requestId = newRequestId();
    if (!conversationId) {
      const created = await api('/api/conversations', { method: 'POST', body: { request_id: requestId } });
      if (!created.ok) { notice(await errorOf(created)); return; }
      conversationId = (await created.json()).id;
      // the empty page this was becomes the conversation: no history entry of its own
      history.replaceState({ c: conversationId }, '', urlOf(conversationId));
    }
    const question = el('article', 'message user', text);
    messagesEl.append(question);
    input.value = '';
    scrollDown();
    const handlers = answerHandlers();
    await stream('/api/conversations/' + conversationId + '/messages', { content: text, request_id: requestId },
      handlers);
    if (!handlers.started) {
      // Refused (the notice says why) and not stored: the text goes back to the box, to send again or change.
      question.remove();
      if (!input.value) input.value = text;
    }
  } finally {
    sending = false;
    sendBtn.disabled = false;
  }
});

input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
});

stopBtn.addEventListener('click', () => controller?.abort());

async function regenerate(answerId) {
  if (!answerId || controller) return;
  const old = messagesEl.querySelector('[data-id="' + CSS.escape(answerId) + '"]');
  old?.remove();
  await stream('/api/messages/' + answerId + '/regenerate', {}, answerHandlers());
}

document.getElementById('new-conversation').addEventListener('click', () => { go(null); input.focus(); });

open(conversationId);

// Kaizen chat page (after page.js and markdown.js). Users' text is inserted with textContent, never as markup;
// answers go through showMarkdown (escaped raw HTML, sanitized).
'use strict';

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
const searchEl = document.getElementById('conversation-search');

let conversationId = new URLSearchParams(location.search).get('c');
let controller = null;
let sending = false; // from the click on Send until the answer ends: a second click or Enter does nothing

// An error (announced at once: role=alert), or with note set a small remark about the answer (e.g. what of the
// conversation the model saw; role=status, announced politely).
function notice(text, note) {
  noticeEl.setAttribute('role', note ? 'status' : 'alert');
  noticeEl.textContent = text || '';
  noticeEl.hidden = !text;
  noticeEl.classList.toggle('note', !!note);
}

// A message the user wrote, with its direction (right-to-left for Arabic or Hebrew) taken from the text itself, and
// under it Edit and, where it has other versions, the switcher between them. message: { content, and once stored
// id, siblings, sibling_index }.
function userView(message) {
  const turn = el('div', 'user-turn');
  const text = el('article', 'message user', message.content);
  text.dir = 'auto';
  const tools = el('div', 'message-tools');
  const edit = el('button', 'link edit', 'Edit');
  edit.type = 'button';
  edit.setAttribute('aria-label', 'Edit your message');
  edit.addEventListener('click', () => startEdit(turn, text.textContent));
  turn.setId = (id) => {
    turn.dataset.id = id;
    tools.hidden = false;
  };
  tools.hidden = !message.id; // nothing to edit until the server stored it
  tools.append(...switcherOf(message, 'version'), edit);
  turn.append(text, tools);
  if (message.id) turn.setId(message.id);
  return turn;
}

// "‹ 2 / 3 ›" between a message and its siblings (the versions of a question, the answers to one question); empty
// when it has none. Choosing another shows that sibling's branch, and the server keeps it for the next visit.
function switcherOf(message, noun) {
  const siblings = message.siblings || [];
  if (siblings.length < 2) return [];
  const at = message.sibling_index;
  const group = el('span', 'branch-switcher');
  group.setAttribute('role', 'group');
  group.setAttribute('aria-label', noun[0].toUpperCase() + noun.slice(1) + ' ' + (at + 1) + ' of ' + siblings.length);
  const step = (by, label, symbol) => {
    const b = el('button', 'icon', symbol);
    b.type = 'button';
    b.dataset.step = String(by);
    b.title = label;
    b.setAttribute('aria-label', label);
    b.disabled = at + by < 0 || at + by >= siblings.length;
    b.addEventListener('click', () => showBranch(siblings[at + by], by));
    return b;
  };
  group.append(step(-1, 'Previous ' + noun, '‹'), el('span', 'position', (at + 1) + ' / ' + siblings.length),
    step(1, 'Next ' + noun, '›'));
  return [group];
}

// Shows the branch through another sibling; the focus stays on the switcher that was used.
async function showBranch(messageId, by) {
  if (!conversationId || controller || sending) return;
  const response = await api('/api/conversations/' + encodeURIComponent(conversationId) + '/current',
    { method: 'PUT', body: { message_id: messageId } });
  if (!response.ok) { notice(await errorOf(response)); return; }
  notice('');
  render(await response.json());
  const shown = messagesEl.querySelector('[data-id="' + CSS.escape(messageId) + '"]');
  const button = shown?.querySelector('.branch-switcher button[data-step="' + by + '"]:not(:disabled)')
    || shown?.querySelector('.branch-switcher button:not(:disabled)');
  button?.focus();
}

// The message becomes a box with its text: Save (or Enter) sends it as a new version, answered like a message sent;
// Cancel (or Escape) puts the message back. The version it replaces stays, one switch away.
function startEdit(turn, text) {
  if (controller || sending) return;
  const shown = [...turn.childNodes];
  const form = el('form', 'edit-form');
  const box = el('textarea', 'edit-box');
  box.value = text;
  box.dir = 'auto';
  box.rows = Math.min(8, Math.max(2, text.split('\n').length));
  box.maxLength = Number(chatEl.dataset.maxChars) || 4000;
  box.required = true;
  box.setAttribute('aria-label', 'Edit your message');
  const actions = el('div', 'edit-actions');
  const save = el('button', '', 'Save');
  save.type = 'submit';
  const cancel = el('button', 'secondary', 'Cancel');
  cancel.type = 'button';
  actions.append(cancel, save);
  form.append(box, actions);
  const close = () => {
    turn.replaceChildren(...shown);
    turn.querySelector('.edit')?.focus();
  };
  cancel.addEventListener('click', close);
  box.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
    else if (e.key === 'Escape') { e.preventDefault(); close(); }
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const edited = box.value.trim();
    if (!edited) return;
    if (edited === text.trim()) { close(); return; }
    saveEdit(turn, edited);
  });
  turn.replaceChildren(form);
  box.focus();
  box.setSelectionRange(box.value.length, box.value.length);
}

// The new version takes the old one's place and the branch below it goes (it stays stored); the answer streams in.
// Refused (nothing stored), the page is put back as it was, the edit box open with the text and the reason said.
async function saveEdit(turn, text) {
  if (controller || sending) return;
  sending = true;
  const id = conversationId;
  try {
    notice('');
    const below = [];
    for (let n = turn.nextElementSibling; n; n = n.nextElementSibling) below.push(n);
    const question = userView({ content: text });
    turn.replaceWith(question);
    below.forEach((n) => n.remove());
    scrollDown();
    const handlers = answerHandlers(question);
    await stream('/api/messages/' + encodeURIComponent(turn.dataset.id) + '/edit',
      { content: text, request_id: newRequestId() }, handlers);
    if (handlers.started) {
      // the new version with its switcher; the notes about the answer stay
      const response = await api('/api/conversations/' + encodeURIComponent(id));
      if (response.ok && conversationId === id) render(await response.json());
      loadList();
    } else {
      question.replaceWith(turn);
      turn.after(...below);
      turn.querySelector('.edit-box')?.focus();
    }
  } finally {
    sending = false;
  }
}

// The list of conversations, or with a search those whose title or messages hold it.
async function loadList() {
  const q = searchEl.value.trim();
  const response = await api('/api/conversations' + (q ? '?q=' + encodeURIComponent(q) : ''));
  if (!response.ok) return;
  const found = await response.json();
  if (q !== searchEl.value.trim()) return; // typed on meanwhile: a later answer comes
  listEl.replaceChildren(...found.map(conversationItem));
  if (found.length === 0) listEl.append(el('li', 'muted empty', q ? 'No conversation holds “' + q + '”.' : 'No conversations yet.'));
}

function conversationItem(c) {
  const item = el('li');
  item.dataset.id = c.id;
  const link = el('a', c.id === conversationId ? 'current' : '', c.title || 'New conversation');
  link.dir = 'auto';
  link.href = '/?c=' + encodeURIComponent(c.id);
  if (c.id === conversationId) link.setAttribute('aria-current', 'page');
  link.addEventListener('click', (e) => { e.preventDefault(); go(c.id); closeDrawer(); });
  const rename = el('button', 'icon rename', '✎');
  rename.type = 'button';
  rename.title = 'Rename';
  rename.setAttribute('aria-label', 'Rename “' + (c.title || 'New conversation') + '”');
  rename.addEventListener('click', () => startRename(item, c));
  const remove = el('button', 'icon delete', '✕');
  remove.type = 'button';
  remove.title = 'Delete';
  remove.setAttribute('aria-label', 'Delete “' + (c.title || 'New conversation') + '”');
  remove.addEventListener('click', () => deleteConversation(c));
  item.append(link, rename, remove);
  return item;
}

// The title becomes a box: Enter saves, Escape (or leaving it unchanged) puts the title back.
function startRename(item, c) {
  const box = el('input', 'rename-box');
  box.value = c.title || '';
  box.maxLength = 200;
  box.dir = 'auto';
  box.setAttribute('aria-label', 'New title');
  let done = false;
  const finish = async (save) => {
    if (done) return;
    done = true;
    const title = box.value.trim();
    if (save && title && title !== c.title) {
      const response = await api('/api/conversations/' + encodeURIComponent(c.id), { method: 'PATCH', body: { title } });
      if (!response.ok) notice(await errorOf(response));
    }
    loadList();
  };
  box.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { e.preventDefault(); finish(true); }
    else if (e.key === 'Escape') { e.preventDefault(); finish(false); }
  });
  box.addEventListener('blur', () => finish(true));
  item.replaceChildren(box);
  box.focus();
  box.select();
}

async function deleteConversation(c) {
  if (!confirm('Delete “' + (c.title || 'New conversation') + '” with its messages and your ratings? This cannot be undone.')) return;
  const response = await api('/api/conversations/' + encodeURIComponent(c.id), { method: 'DELETE' });
  if (!response.ok) { notice(await errorOf(response)); return; }
  if (c.id === conversationId) go(null); else loadList();
}

// Phones (below 700 px): the list is a drawer that the ☰ button opens over the chat; choosing a conversation,
// "New conversation", the shade beside it or Escape closes it.
const drawerToggle = document.getElementById('drawer-toggle');

function openDrawer() {
  document.body.classList.add('drawer-open');
  drawerToggle.setAttribute('aria-expanded', 'true');
  document.getElementById('new-conversation').focus();
}

function closeDrawer() {
  if (!document.body.classList.contains('drawer-open')) return;
  document.body.classList.remove('drawer-open');
  drawerToggle.setAttribute('aria-expanded', 'false');
}

drawerToggle.addEventListener('click', () => {
  if (document.body.classList.contains('drawer-open')) closeDrawer(); else openDrawer();
});
document.getElementById('drawer-backdrop').addEventListener('click', closeDrawer);
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && document.body.classList.contains('drawer-open')) { closeDrawer(); drawerToggle.focus(); }
});

let searchTimer = null;
searchEl.addEventListener('input', () => { clearTimeout(searchTimer); searchTimer = setTimeout(loadList, 250); });

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
  render(conversation);
  loadList();
}

// The conversation's visible branch, and the pair still waiting for a choice at its end.
function render(conversation) {
  messagesEl.replaceChildren();
  for (const m of conversation.messages) {
    if (m.role === 'user') messagesEl.append(userView(m));
    else if (m.role === 'assistant') messagesEl.append(answerView(m));
  }
  if (conversation.pending_comparison) {
    const p = conversation.pending_comparison;
    // The branch ends at A until the user chooses; show the pair instead of A alone.
    messagesEl.lastElementChild?.remove();
    const pair = pairView(p.id, [p.a.id, p.b.id]);
    for (const side of [p.a, p.b]) {
      const view = pair.sides.get(side.id);
      view.setText(side.content);
      view.modelVersion = side.model_version;
    }
    messagesEl.append(pair.root);
    pair.ready();
  }
  scrollDown();
}

function scrollDown() { messagesEl.scrollTop = messagesEl.scrollHeight; }

// A view's text as Markdown; while an answer streams in, rendered at most once a frame.
function markdownView(node) {
  const content = node.querySelector('.content');
  content.dir = 'auto';
  node.raw = '';
  let scheduled = false;
  node.setText = (text) => { node.raw = text; showMarkdown(content, text); };
  node.addText = (text) => {
    node.raw += text;
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => { scheduled = false; showMarkdown(content, node.raw); scrollDown(); });
  };
}

// Which model version wrote an answer; after an A/B choice also which side it was.
const revealed = new Map(); // answer id -> what the choice revealed about its pair (kept while the page lives)

function showVersion(node, version) {
  const line = node.querySelector('.model-version');
  const pairNote = revealed.get(node.dataset.id);
  line.textContent = [version ? 'Written by ' + version : '', pairNote || ''].filter(Boolean).join(' · ');
  line.hidden = !line.textContent;
}

function answerView(message) {
  const node = answerTemplate.content.firstElementChild.cloneNode(true);
  node.dataset.id = message.id || '';
  markdownView(node);
  node.setText(message.content || '');
  showVersion(node, message.model_version);
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
  // The stars are a radio group (WAI-ARIA): one Tab stop; the arrow keys move between the stars and choose.
  const stars = [];
  for (let i = 1; i <= 5; i++) {
    const star = el('button', 'icon star', '☆');
    star.type = 'button';
    star.setAttribute('role', 'radio');
    star.setAttribute('aria-checked', 'false');
    star.tabIndex = i === 1 ? 0 : -1;
    star.title = i + (i === 1 ? ' star' : ' stars');
    star.setAttribute('aria-label', star.title);
    star.addEventListener('click', () => rate(node, { stars: i }));
    stars.push(star);
    starsEl.append(star);
  }
  starsEl.addEventListener('keydown', (e) => {
    const at = stars.indexOf(document.activeElement);
    if (at < 0) return;
    const to = { ArrowRight: at + 1, ArrowUp: at + 1, ArrowLeft: at - 1, ArrowDown: at - 1, Home: 0, End: 4 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    const next = stars[(to + 5) % 5];
    next.focus();
    next.click();
  });
  node.showRating = (rating) => {
    const thumbs = rating?.thumbs ?? 0;
    up.setAttribute('aria-pressed', String(thumbs === 1));
    down.setAttribute('aria-pressed', String(thumbs === -1));
    stars.forEach((s, i) => {
      s.textContent = rating?.stars && i < rating.stars ? '★' : '☆';
      s.setAttribute('aria-checked', String(rating?.stars === i + 1));
      s.tabIndex = (rating?.stars ? rating.stars - 1 : 0) === i ? 0 : -1;
    });
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
    navigator.clipboard?.writeText(node.raw));
  node.querySelector('.regenerate').addEventListener('click', () => regenerate(node.dataset.id));
  node.querySelector('.answer-tools').prepend(...switcherOf(message, 'answer'));
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
    // which version wrote which side shows once the choice is made, as in a blind test
    const version = el('p', 'model-version muted');
    version.hidden = true;
    side.append(el('h3', 'side-label', i === 0 ? 'A' : 'B'), el('div', 'content'), version);
    markdownView(side);
    sides.set(id, side);
    columns.append(side);
  });
  // After the choice: which version wrote A and which B, on the sides and on the answer that stays.
  const reveal = (choice) => {
    const [a, b] = answerIds.map((id) => sides.get(id));
    const words = { a: 'you chose A', b: 'you chose B', tie: 'you found them equal', both_bad: 'you found both bad' };
    const note = 'A: ' + (a.modelVersion || 'unknown version') + ', B: ' + (b.modelVersion || 'unknown version')
      + ' (' + words[choice] + ')';
    for (const side of [a, b]) {
      const line = side.querySelector('.model-version');
      line.textContent = 'Written by ' + (side.modelVersion || 'an unknown version');
      line.hidden = false;
      revealed.set(side.dataset.id, note);
    }
  };
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
      reveal(choice);
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

// question: the view of the message answered, which learns its id from the start event.
function answerHandlers(question) {
  const views = new Map();
  let pair = null;
  let started = false;
  return {
    /** Whether the server took the message (a refused one is not stored). */
    get started() { return started; },
    start(info) {
      started = true;
      question?.setId(info.user_message_id);
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
        view.single = true;
        views.set(info.answers[0], view);
        messagesEl.append(view);
      }
    },
    token(t) {
      const view = views.get(t.answer);
      if (view) view.addText(t.text);
    },
    done(d) {
      const view = views.get(d.message_id);
      if (!view) return;
      if (d.finish_reason === 'length') view.classList.add('truncated');
      view.modelVersion = d.model_version;
      if (view.single) showVersion(view, d.model_version);
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
    const question = userView({ content: text });
    messagesEl.append(question);
    input.value = '';
    scrollDown();
    const handlers = answerHandlers(question);
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

document.getElementById('new-conversation').addEventListener('click', () => { go(null); closeDrawer(); input.focus(); });

open(conversationId);

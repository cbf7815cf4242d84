// Helpers shared by Kaizen's page scripts (loaded before them): the page API with the session's CSRF token, its
// error messages, and elements whose text is always set with textContent (never markup).
'use strict';

const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? '';

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

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

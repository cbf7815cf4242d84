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

/** The JSON answer of {@code method path}, or an Error with the server's message. */
async function apiJson(method, path, body) {
  const response = await api(path, { method, body });
  if (!response.ok) throw new Error(await errorOf(response));
  const text = await response.text();
  return text ? JSON.parse(text) : {};
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// Light or dark: the system's choice (prefers-color-scheme) until the top bar's toggle picks one, remembered in
// localStorage. This script runs in the head, before the page paints, so a dark page never flashes light.
const THEME_KEY = 'kaizen.theme';

function storedTheme() {
  try { return localStorage.getItem(THEME_KEY); } catch { return null; } // storage may be off (private mode)
}

function currentTheme() {
  return document.documentElement.dataset.theme
    || (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
}

function showThemeToggle() {
  const toggle = document.getElementById('theme-toggle');
  if (!toggle) return;
  const dark = currentTheme() === 'dark';
  toggle.setAttribute('aria-pressed', String(dark));
  toggle.textContent = dark ? '☀ Light' : '☾ Dark';
  toggle.title = dark ? 'Switch to the light theme' : 'Switch to the dark theme';
}

if (storedTheme() === 'dark' || storedTheme() === 'light') document.documentElement.dataset.theme = storedTheme();

document.addEventListener('DOMContentLoaded', () => {
  const toggle = document.getElementById('theme-toggle');
  if (!toggle) return;
  showThemeToggle();
  toggle.addEventListener('click', () => {
    const next = currentTheme() === 'dark' ? 'light' : 'dark';
    document.documentElement.dataset.theme = next;
    try { localStorage.setItem(THEME_KEY, next); } catch { /* the choice lasts this page only */ }
    showThemeToggle();
  });
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', showThemeToggle);
});

// The company profile page (/console/company): the profile in force in the form, saved as a new version through
// the console's JSON API (page.js adds the session's CSRF token), and the versions saved before.
(function () {
  'use strict';

  const FIELDS = { name: 'company-name', website_name: 'company-website-name', website_url: 'company-website-url',
    support_phone: 'company-support-phone', support_email: 'company-support-email',
    support_hours: 'company-support-hours', live_chat: 'company-live-chat' };

  const call = apiJson; // page.js

  const cell = (tag, text) => el(tag, undefined, text);

  function notice(text) {
    const node = document.getElementById('company-notice');
    node.textContent = text;
    node.hidden = !text;
  }

  function addExtraRow(name, value) {
    const row = document.createElement('tr');
    const nameInput = document.createElement('input');
    nameInput.type = 'text';
    nameInput.className = 'extra-name';
    nameInput.maxLength = 84;
    nameInput.value = name || '';
    nameInput.setAttribute('aria-label', 'Placeholder');
    const valueInput = document.createElement('input');
    valueInput.type = 'text';
    valueInput.className = 'extra-value';
    valueInput.maxLength = 500;
    valueInput.value = value || '';
    valueInput.setAttribute('aria-label', 'Value');
    const remove = cell('button', 'Remove');
    remove.type = 'button';
    remove.className = 'secondary';
    remove.addEventListener('click', () => row.remove());
    [nameInput, valueInput, remove].forEach(input => {
      const td = document.createElement('td');
      td.appendChild(input);
      row.appendChild(td);
    });
    document.querySelector('#company-extra tbody').appendChild(row);
    return nameInput;
  }

  function show(profile) {
    Object.entries(FIELDS).forEach(([field, id]) => { document.getElementById(id).value = profile[field] || ''; });
    document.querySelector('#company-extra tbody').replaceChildren();
    Object.entries(profile.extra || {}).forEach(([name, value]) => addExtraRow(name, value));
    document.getElementById('company-saved').textContent = profile.version > 0
      ? 'Version ' + profile.version + ', saved by ' + profile.saved_by + ' on ' + new Date(profile.saved_at).toLocaleString() + '.'
      : 'Not saved yet: every placeholder gets its neutral phrase.';
  }

  async function loadVersions() {
    const body = document.querySelector('#company-versions tbody');
    body.replaceChildren();
    for (const v of await call('GET', '/api/console/company-profile/versions')) {
      const values = Object.keys(FIELDS).filter(f => v[f]).map(f => f + ': ' + v[f])
        .concat(Object.entries(v.extra || {}).map(([k, x]) => '{{' + k + '}}: ' + x));
      const row = document.createElement('tr');
      row.append(cell('td', String(v.version)), cell('td', v.saved_by), cell('td', new Date(v.saved_at).toLocaleString()),
        cell('td', values.join(' · ')));
      body.appendChild(row);
    }
  }

  async function load() {
    try {
      show(await call('GET', '/api/console/company-profile'));
      await loadVersions();
    } catch (e) {
      notice(e.message);
    }
  }

  document.getElementById('company-add-extra').addEventListener('click', () => addExtraRow('', '').focus());
  document.getElementById('company-form').addEventListener('submit', async event => {
    event.preventDefault();
    const request = { extra: {} };
    Object.entries(FIELDS).forEach(([field, id]) => { request[field] = document.getElementById(id).value.trim() || null; });
    for (const row of document.querySelectorAll('#company-extra tbody tr')) {
      const name = row.querySelector('.extra-name').value.trim();
      const value = row.querySelector('.extra-value').value.trim();
      if (name || value) request.extra[name] = value;
    }
    notice('');
    try {
      show(await call('PUT', '/api/console/company-profile', request));
      await loadVersions();
    } catch (e) {
      notice(e.message);
    }
  });

  load();
})();

// The built-in authenticator: codes of the people who use this device, each behind its own
// PIN if they chose one. Codes count down with a ring; a tap copies (cleared after 60 s).
// Opened from the sign-in screen, the navigation, or the code screen ("pick" mode), where a
// revealed code can be used directly. This file is the list; its rows are vault_entry.js, the
// shared-device settings under it vault_shared.js, and its other screens vault_add.js (adding
// an account) and vault_transfer.js (import and export).

import { call } from './api.js';
import { h, fill, field, errorBox, showError, clearError, busy } from './dom.js';
import { t } from './i18n.js';
import { entryRow } from './vault_entry.js';
import { sharedSettings } from './vault_shared.js';
import { add, confirmLink } from './vault_add.js';
import { transfer } from './vault_transfer.js';

/** The list. `pick(code)` is set when opened from the code screen. */
export function render(app, { pick, back, notice } = {}) {
  if (heldLink && !pick) {
    const link = heldLink;
    heldLink = null;
    setTimeout(() => addLink(app, link, back), 0);
  }
  const box = errorBox('vault-error');
  const q = h('input', { type: 'search', id: 'vault-search', placeholder: t('vault.search_placeholder'), autocomplete: 'off' });
  const list = h('ul', { class: 'vault', id: 'vault-list', 'aria-live': 'off' });
  const clock = h('div', { id: 'clock' });
  const summary = h('p', { class: 'hint', id: 'vault-summary' });
  let rows = new Map();
  let data = null;
  const settings = sharedSettings(app, load, pick);
  const entries = { app, pick, load, shared: () => !!(data && data.shared) };

  let first = true;
  async function load() {
    try {
      data = await call('vault_list', { query: q.value, remeasure: first });
      first = false;
    } catch (e) { showError(box, e); return; }
    clearError(box);
    // The clock warning is an alert: shown again only when it changes, so a screen reader
    // doesn't hear it each time the list refreshes.
    const secs = data.clock.warning_secs;
    const warning = secs ? t(secs > 0 ? 'vault.clock.behind' : 'vault.clock.ahead', { count: Math.abs(secs) }) : '';
    if (clock.dataset.warning !== warning) {
      clock.dataset.warning = warning;
      fill(clock, warning ? h('div', { class: 'card notice', role: 'alert' },
        h('p', { id: 'clock-warning' }, warning),
        h('button', { type: 'button', id: 'resync', class: 'secondary', onclick: (ev) => busy(ev.currentTarget, async () => {
          try { await call('vault_resync'); await load(); app.toast(t('vault.resynced')); } catch (e) { showError(box, e); }
        }) }, t('vault.resync'))) : null);
    }
    settings.update(data);
    summary.textContent = data.shared
      ? t('vault.summary_shared')
      : t('vault.summary_count', { count: data.total });
    // New codes re-draw the list; the control that had the keyboard focus gets it back.
    const focused = list.contains(document.activeElement) ? document.activeElement : null;
    const entryId = focused && focused.closest('[data-entry]') ? focused.closest('[data-entry]').dataset.entry : null;
    const control = focused ? [...focused.classList].find((c) => c !== 'ghost' && c !== 'primary') : null;
    rows = new Map();
    list.replaceChildren(...(data.entries.length ? data.entries.map((e) => {
      const { li, state } = entryRow(entries, e);
      rows.set(e.id, state);
      return li;
    }) : [h('li', { class: 'empty' },
      data.total ? t('vault.no_matches') : t('vault.empty'))]));
    if (entryId) {
      const li = list.querySelector(`[data-entry="${CSS.escape(entryId)}"]`);
      const again = li && (control ? li.querySelector(`.${CSS.escape(control)}`) : null);
      if (again) again.focus();
      else if (li) li.querySelector('button')?.focus();
    }
  }

  let timer;
  q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(load, 150); });
  app.every(1000, () => {
    let stale = false;
    for (const s of rows.values()) if (s.tick()) stale = true;
    if (stale) load();
  });
  load();

  return h('div', { class: 'page' },
    back ? h('p', {}, h('a', { href: '#back', id: 'vault-back', onclick: (ev) => { ev.preventDefault(); back(); } }, pick ? t('vault.back_to_code') : t('vault.back_to_sign_in'))) : null,
    h('h1', {}, t('vault.title')),
    notice ? h('p', { class: 'notice success' }, notice) : null,
    h('p', {}, pick ? t('vault.intro_pick') : t('vault.intro')),
    clock, box,
    field(t('vault.search_label'), q),
    summary, list,
    pick ? null : h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'primary', id: 'vault-add', onclick: () => app.show(add, { back }, 'vault-add') }, t('vault.add_account')),
      h('button', { type: 'button', class: 'secondary', id: 'vault-transfer', onclick: () => app.show(transfer, { back, shared: !!(data && data.shared) }, 'vault-transfer') }, t('vault.import_export'))),
    pick ? null : settings.nodes);
}

/** An `otpauth://` link the app was handed (opened from a web page, or a second launch): one
 *  card to confirm, nothing saved until the person chooses a PIN or none and adds.
 *  `back`: the screen the person was on. */
export function addLink(app, link, back) {
  app.show(confirmLink, { link, back: back || undefined }, 'vault-add');
}

/** A link that came while the person was busy (signing in, setting up): the Authenticator
 *  opens on it next. */
let heldLink = null;
export function holdLink(link) { heldLink = link; }

// The built-in authenticator: codes of the people who use this device, each behind its own
// PIN if they chose one. Codes count down with a ring; a tap copies (cleared after 60 s).
// Opened from the sign-in screen, the navigation, or the code screen ("pick" mode), where a
// revealed code can be used directly.

import { call } from './api.js';
import { h, fill, field, errorBox, showError, clearError, busy, errorText } from './dom.js';
import { t } from './i18n.js';

const REVEAL_MS = 30_000;
const group = (c) => (c.length === 6 ? `${c.slice(0, 3)} ${c.slice(3)}` : c.length === 8 ? `${c.slice(0, 4)} ${c.slice(4)}` : c);

function ring(secondsLeft, period) {
  const r = 16;
  const len = 2 * Math.PI * r;
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 40 40');
  svg.setAttribute('class', 'ring');
  svg.setAttribute('aria-hidden', 'true');
  const track = document.createElementNS(svg.namespaceURI, 'circle');
  const arc = document.createElementNS(svg.namespaceURI, 'circle');
  for (const c of [track, arc]) {
    c.setAttribute('cx', '20'); c.setAttribute('cy', '20'); c.setAttribute('r', String(r));
    c.setAttribute('fill', 'none'); c.setAttribute('stroke-width', '4');
  }
  track.setAttribute('class', 'ring-track');
  arc.setAttribute('class', 'ring-arc');
  arc.setAttribute('stroke-dasharray', String(len));
  arc.setAttribute('transform', 'rotate(-90 20 20)');
  svg.append(track, arc);
  svg.update = (left) => arc.setAttribute('stroke-dashoffset', String(len * (1 - left / period)));
  svg.update(secondsLeft);
  return svg;
}

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
  const shared = h('input', { type: 'checkbox', id: 'vault-shared', 'aria-describedby': 'shared-managed' });
  const managedNote = h('p', { class: 'hint', id: 'shared-managed', hidden: true }, t('vault.shared_managed'));
  let rows = new Map();
  let data = null;

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
          try { await call('vault_resync'); app.toast(t('vault.resynced')); load(); } catch (e) { showError(box, e); }
        }) }, t('vault.resync'))) : null);
    }
    shared.checked = data.shared;
    // Shared by the device's management: nothing here turns it off.
    shared.disabled = !!data.managed;
    managedNote.hidden = !data.managed;
    if (!pick && data.needs_device_pin && !sharedPanel.querySelector('#device-pin-new')) fill(sharedPanel, makeSharedForm(true));
    if (!pick && data.shared && idleBox.hidden) { fill(idleBox, idleForm()); idleBox.hidden = false; }
    if (!data.shared) { fill(idleBox); idleBox.hidden = true; }
    summary.textContent = data.shared
      ? t('vault.summary_shared')
      : t('vault.summary_count', { count: data.total });
    // New codes re-draw the list; the control that had the keyboard focus gets it back.
    const focused = list.contains(document.activeElement) ? document.activeElement : null;
    const entryId = focused && focused.closest('[data-entry]') ? focused.closest('[data-entry]').dataset.entry : null;
    const control = focused ? [...focused.classList].find((c) => c !== 'ghost' && c !== 'primary') : null;
    rows = new Map();
    list.replaceChildren(...(data.entries.length ? data.entries.map((e) => row(e)) : [h('li', { class: 'empty' },
      data.total ? t('vault.no_matches') : t('vault.empty'))]));
    if (entryId) {
      const li = list.querySelector(`[data-entry="${CSS.escape(entryId)}"]`);
      const again = li && (control ? li.querySelector(`.${CSS.escape(control)}`) : null);
      if (again) again.focus();
      else if (li) li.querySelector('button')?.focus();
    }
  }

  function row(e) {
    const r = ring(e.seconds_left, e.period);
    const codeEl = h('span', { class: 'code-text' });
    // The button's name is "Code for X: 123 456" (what it shows is part of its name); what a
    // tap does is its description.
    const codeFor = h('span', { class: 'visually-hidden' });
    const tapHint = h('span', { id: `tap-${e.id}`, class: 'visually-hidden' });
    const pinBox = h('div', { class: 'pin-box', hidden: true });
    const err = errorBox(`err-${e.id}`);
    const state = { e, left: e.seconds_left, revealed: null, hideAt: 0 };
    const name = e.issuer || e.account;
    const show = h('button', { type: 'button', class: 'code-button', 'aria-describedby': `tap-${e.id}` }, codeFor, codeEl);
    const use = pick ? h('button', { type: 'button', class: 'primary use-code', hidden: true }, t('vault.entry.use_code')) : null;
    const li = h('li', { class: 'entry card', 'data-entry': e.id },
      h('div', { class: 'entry-main' }, r,
        h('div', { class: 'entry-names' }, h('strong', {}, e.issuer || e.account), e.issuer ? h('span', {}, e.account) : null,
          e.has_pin ? h('span', { class: 'badge' }, t('vault.entry.pin_badge')) : null),
        show, tapHint),
      pinBox, use, err,
      pick ? null : h('div', { class: 'row-actions' },
        h('button', { type: 'button', class: 'ghost rename', 'aria-label': t('vault.entry.rename_aria', { name }), onclick: () => rename(li, e) }, t('vault.entry.rename')),
        h('button', { type: 'button', class: 'ghost set-pin', 'aria-label': e.has_pin ? t('vault.entry.change_pin_aria', { name }) : t('vault.entry.add_pin_aria', { name }), onclick: () => setPin(li, e) }, e.has_pin ? t('vault.entry.change_pin') : t('vault.entry.add_pin')),
        h('button', { type: 'button', class: 'ghost delete', 'aria-label': t('vault.entry.delete_aria', { name }), onclick: () => confirmDelete(li, e) }, t('vault.entry.delete'))));
    const paint = () => {
      const code = state.revealed ? (state.left > 0 ? state.revealed.code : state.revealed.next_code) : e.code;
      if (code) {
        codeEl.textContent = group(code);
        show.dataset.code = code;
        codeFor.textContent = t('vault.entry.code_for', { name }) + ' ';
        tapHint.textContent = t('vault.entry.tap_to_copy');
        if (use) use.hidden = false;
      } else {
        codeEl.textContent = t('vault.entry.code_hidden');
        delete show.dataset.code;
        codeFor.textContent = t('vault.entry.show_code_aria', { name }) + ' ';
        tapHint.textContent = '';
        if (use) use.hidden = true;
      }
      const left = state.left > 0 ? state.left : state.left + e.period;
      r.update(left);
      // The ring, in words: what a screen reader hears instead of a drawing.
      const changes = t('vault.entry.changes_in', { count: left });
      tapHint.textContent = code ? `${t('vault.entry.tap_to_copy')} ${changes}` : changes;
    };
    const hide = () => { state.revealed = null; pinBox.hidden = true; paint(); };
    const reveal = async (pin) => {
      try {
        state.revealed = await call('vault_reveal', { id: e.id, pin });
        state.left = state.revealed.seconds_left;
        state.hideAt = Date.now() + REVEAL_MS;
        pinBox.hidden = true;
        clearError(err);
        // Someone tried this account's PIN: its owner hears of it when they next open it.
        if (state.revealed.wrong_pins) li.insertBefore(h('p', { class: 'notice', role: 'status' }, t('vault.entry.wrong_pins', { count: state.revealed.wrong_pins })), err);
        paint();
        if (use) use.focus();
      } catch (x) { showError(err, x); const i = pinBox.querySelector('input'); if (i) { i.select(); i.focus(); } }
    };
    show.addEventListener('click', async () => {
      if (show.dataset.code && !pick) {
        try {
          await call('vault_copy', { id: e.id, pin: state.revealed ? state.pin : null });
          app.toast(t('vault.entry.copied'));
        } catch (x) { showError(err, x); }
        return;
      }
      if (show.dataset.code) return;
      if (!e.has_pin) return reveal(null);
      const input = h('input', { type: 'password', inputmode: 'numeric', autocomplete: 'off', class: 'pin', id: `pin-${e.id}`, maxlength: '12' });
      const ok = h('button', { type: 'submit', class: 'secondary' }, t('vault.entry.show_code'));
      pinBox.replaceChildren(h('form', { class: 'pin-form', onsubmit: (ev) => { ev.preventDefault(); state.pin = input.value; busy(ok, () => reveal(input.value)); } },
        field(t('vault.entry.pin_label', { name }), input), ok));
      pinBox.hidden = false;
      input.focus();
    });
    if (use) use.addEventListener('click', () => pick(show.dataset.code));
    state.tick = () => {
      state.left -= 1;
      // A shown code hides after 30 seconds, or once the code after it has run out too.
      if (state.revealed && (Date.now() > state.hideAt || state.left <= -e.period)) { state.pin = null; hide(); }
      if (!state.revealed && state.left <= 0) {
        if (e.code) return true; // a listed code ran out: fetch the new ones
        state.left += e.period;
      }
      paint();
      return false;
    };
    rows.set(e.id, state);
    paint();
    return li;
  }

  /** A PIN field, for entries that have one (their owner's say-so to change them). */
  const pinField = (e) => (e.has_pin
    ? h('input', { type: 'password', inputmode: 'numeric', autocomplete: 'off', class: 'pin', maxlength: '12' })
    : null);
  // On a shared device, changing an account that has no PIN of its own takes the device PIN.
  const keeperField = (e) => (data && data.shared && !e.has_pin ? devicePinInput(`device-pin-${e.id}`) : null);

  function rename(li, e) {
    const issuer = h('input', { type: 'text', value: e.issuer, id: `issuer-${e.id}` });
    const account = h('input', { type: 'text', value: e.account, id: `account-${e.id}` });
    const pin = pinField(e);
    const keeper = keeperField(e);
    const err = errorBox(`rename-error-${e.id}`, pin || keeper);
    const save = h('button', { type: 'submit', class: 'primary' }, t('vault.save'));
    const form = h('form', { class: 'confirm', onsubmit: (ev) => { ev.preventDefault(); busy(save, async () => {
      try { await call('vault_rename', { id: e.id, issuer: issuer.value, account: account.value, pin: pin ? pin.value : null, devicePin: keeper ? keeper.value : null }); load(); } catch (x) { showError(err, x); }
    }); } }, field(t('vault.rename.name'), issuer), field(t('vault.rename.account'), account), pin ? field(t('vault.pin'), pin) : null,
      keeper ? field(t('vault.device_pin.label'), keeper, t('vault.device_pin.change_hint')) : null, err,
      h('div', { class: 'actions' }, save, h('button', { type: 'button', class: 'ghost', onclick: () => form.remove() }, t('vault.cancel'))));
    li.append(form);
    issuer.focus();
  }

  function setPin(li, e) {
    const current = pinField(e);
    const keeper = keeperField(e);
    const next = h('input', { type: 'password', inputmode: 'numeric', autocomplete: 'new-password', class: 'new-pin', maxlength: '12' });
    const err = errorBox(`set-pin-error-${e.id}`, current || keeper);
    const save = h('button', { type: 'submit', class: 'primary' }, t('vault.save'));
    const form = h('form', { class: 'confirm', onsubmit: (ev) => { ev.preventDefault(); busy(save, async () => {
      try {
        await call('vault_set_pin', { id: e.id, currentPin: current ? current.value : null, newPin: next.value || null, devicePin: keeper ? keeper.value : null });
        app.toast(next.value ? t('vault.set_pin.saved') : t('vault.set_pin.removed'));
        load();
      } catch (x) { showError(err, x); }
    }); } },
    current ? field(t('vault.set_pin.current'), current) : null,
    keeper ? field(t('vault.device_pin.label'), keeper, t('vault.device_pin.change_hint')) : null,
    field(t('vault.set_pin.new'), next, e.has_pin ? t('vault.set_pin.hint_remove') : t('vault.set_pin.hint_digits')), err,
    h('div', { class: 'actions' }, save, h('button', { type: 'button', class: 'ghost', onclick: () => form.remove() }, t('vault.cancel'))));
    li.append(form);
    (current || keeper || next).focus();
  }

  function confirmDelete(li, e) {
    // A shared device: its keeper's device PIN, for any account; elsewhere the entry's own.
    const onShared = data && data.shared;
    const pin = onShared ? null : pinField(e);
    const devicePin = onShared ? devicePinInput('device-pin-delete') : null;
    const err = errorBox(`delete-error-${e.id}`, devicePin || pin);
    const yes = h('button', { type: 'button', class: 'danger', id: 'confirm-vault-delete', onclick: () => busy(yes, async () => {
      try {
        await call('vault_delete', { id: e.id, pin: pin ? pin.value : null, devicePin: devicePin ? devicePin.value : null });
        app.toast(t('vault.delete.removed', { name: e.issuer || e.account }));
        load();
      } catch (x) { showError(err, x); const f = devicePin || pin; if (f) { f.select(); f.focus(); } }
    }) }, t('vault.delete.confirm_button'));
    const panel = h('div', { class: 'confirm', role: 'alertdialog', 'aria-label': t('vault.delete.confirm_label') },
      h('p', {}, t('vault.delete.confirm_text', { issuer: e.issuer, account: e.account })),
      pin ? field(t('vault.pin'), pin) : null,
      devicePin ? field(t('vault.device_pin.label'), devicePin, t('vault.device_pin.delete_hint')) : null, err,
      h('div', { class: 'actions' }, yes, h('button', { type: 'button', class: 'ghost', onclick: () => panel.remove() }, t('vault.cancel'))));
    li.append(panel);
    (devicePin || yes).focus();
  }

  let timer;
  q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(load, 150); });
  app.every(1000, () => {
    let stale = false;
    for (const s of rows.values()) if (s.tick()) stale = true;
    if (stale) load();
  });
  load();

  // Shared on: a new device PIN, typed twice. Shared off: that PIN (or, forgotten, clearing
  // every account). The box shows the vault's state until the change is made.
  const sharedPanel = h('div', { id: 'shared-panel' });
  shared.addEventListener('change', () => {
    const on = shared.checked;
    shared.checked = !on;
    fill(sharedPanel, on ? makeSharedForm() : endSharedForm());
    const first = sharedPanel.querySelector('input');
    if (first) first.focus();
  });
  const closeShared = () => { fill(sharedPanel); shared.focus(); };

  // A shared device's idle time, behind the device PIN.
  const idleBox = h('div', { id: 'idle-settings', hidden: true });
  function idleForm() {
    const minutes = h('input', { type: 'number', id: 'idle-minutes', min: '1', max: '60', inputmode: 'numeric', value: String(data.idle_minutes) });
    const pin = devicePinInput('idle-device-pin');
    const err = errorBox('idle-error', minutes);
    const save = h('button', { type: 'submit', class: 'secondary', id: 'idle-save' }, t('vault.idle.save'));
    return h('form', { class: 'confirm', 'aria-labelledby': 'idle-h', onsubmit: (ev) => { ev.preventDefault(); busy(save, async () => {
      try {
        await call('vault_set_idle', { minutes: Number(minutes.value), devicePin: pin.value });
        app.toast(t('vault.idle.saved', { count: Number(minutes.value) }));
        pin.value = '';
        clearError(err);
      } catch (x) { showError(err, x); }
    }); } },
    h('h2', { id: 'idle-h' }, t('vault.idle.title')),
    field(t('vault.idle.minutes'), minutes, t('vault.idle.hint')),
    field(t('vault.device_pin.label'), pin), err, save);
  }

  /** `missing`: a device shared before device PINs existed, asked for its first one. */
  function makeSharedForm(missing = false) {
    const pin = devicePinInput('device-pin-new', 'new-password');
    const again = devicePinInput('device-pin-again', 'new-password');
    const err = errorBox('shared-error', again);
    const save = h('button', { type: 'submit', class: 'primary', id: 'shared-on' }, t('vault.device_pin.save'));
    const turnOn = async () => {
      try {
        await call('vault_set_shared', { shared: true, devicePin: pin.value });
        fill(sharedPanel);
        app.toast(t('vault.device_pin.shared_on'));
        load();
        shared.focus();
      } catch (x) {
        // Back to the PINs, with what was wrong.
        fill(sharedPanel, form);
        showError(err, x);
        pin.focus();
      }
    };
    const form = h('form', { class: 'confirm', 'aria-labelledby': 'shared-on-h', onsubmit: (ev) => { ev.preventDefault(); busy(save, async () => {
      if (pin.value !== again.value) { showError(err, { message: t('vault.device_pin.mismatch') }); again.select(); return; }
      clearError(err);
      // Already shared, only missing its PIN: nothing changes that needs confirming.
      if (missing) return turnOn();
      fill(sharedPanel, confirmShared(turnOn, () => { fill(sharedPanel, form); pin.focus(); }));
    }); } },
    h('h2', { id: 'shared-on-h' }, t(missing ? 'vault.device_pin.missing_title' : 'vault.device_pin.set_title')),
    field(t('vault.device_pin.label'), pin, t('vault.device_pin.set_hint')),
    field(t('vault.device_pin.again'), again), err,
    h('div', { class: 'actions' }, save, missing ? null : h('button', { type: 'button', class: 'ghost', onclick: closeShared }, t('vault.cancel'))));
    return form;
  }

  /** What shared mode changes, and that only the device PIN undoes it: said before it is on. */
  function confirmShared(yes, no) {
    const go = h('button', { type: 'button', class: 'primary', id: 'shared-confirm', onclick: () => busy(go, yes) }, t('vault.shared_confirm.yes'));
    const cancel = h('button', { type: 'button', class: 'ghost', id: 'shared-confirm-cancel', onclick: no }, t('vault.cancel'));
    const panel = h('div', { class: 'confirm', role: 'alertdialog', 'aria-labelledby': 'shared-confirm-h', 'aria-describedby': 'shared-confirm-text' },
      h('h2', { id: 'shared-confirm-h' }, t('vault.shared_confirm.title')),
      h('div', { id: 'shared-confirm-text' },
        h('p', {}, t('vault.shared_confirm.intro')),
        h('ul', {}, ['codes', 'sessions', 'idle', 'export', 'server'].map((k) => h('li', {}, t(`vault.shared_confirm.${k}`)))),
        h('p', {}, h('strong', {}, t('vault.shared_confirm.undo')))),
      h('div', { class: 'actions' }, go, cancel));
    setTimeout(() => go.focus(), 0);
    return panel;
  }

  function endSharedForm() {
    const pin = devicePinInput('device-pin-off');
    const err = errorBox('shared-error', pin);
    const save = h('button', { type: 'submit', class: 'primary', id: 'shared-off' }, t('vault.device_pin.off_button'));
    const forgot = h('button', { type: 'button', class: 'ghost', id: 'device-pin-forgot', onclick: () => fill(sharedPanel, clearForm()) }, t('vault.device_pin.forgot'));
    return h('form', { class: 'confirm', 'aria-labelledby': 'shared-off-h', onsubmit: (ev) => { ev.preventDefault(); busy(save, async () => {
      try {
        await call('vault_set_shared', { shared: false, devicePin: pin.value });
        fill(sharedPanel);
        app.toast(t('vault.device_pin.shared_off'));
        load();
        shared.focus();
      } catch (x) { showError(err, x); pin.select(); pin.focus(); }
    }); } },
    h('h2', { id: 'shared-off-h' }, t('vault.device_pin.off_title')),
    data && data.unshare_needs_admin ? h('p', { class: 'notice', id: 'unshare-admin' }, t('vault.device_pin.needs_admin')) : null,
    field(t('vault.device_pin.label'), pin), err,
    h('div', { class: 'actions' }, save, forgot, h('button', { type: 'button', class: 'ghost', onclick: closeShared }, t('vault.cancel'))));
  }

  function clearForm() {
    const pin = devicePinInput('device-pin-cleared', 'new-password');
    const err = errorBox('clear-error', pin);
    const yes = h('button', { type: 'button', class: 'danger', id: 'vault-clear', onclick: () => busy(yes, async () => {
      try {
        await call('vault_clear', { devicePin: pin.value });
        // Whoever was signed in is signed out with the accounts.
        app.signedOut(t('vault.device_pin.cleared'));
      } catch (x) { showError(err, x); pin.focus(); }
    }) }, t('vault.device_pin.clear_button'));
    const cancel = h('button', { type: 'button', class: 'ghost', onclick: closeShared }, t('vault.cancel'));
    const panel = h('div', { class: 'confirm', role: 'alertdialog', 'aria-labelledby': 'clear-h', 'aria-describedby': 'clear-text' },
      h('h2', { id: 'clear-h' }, t('vault.device_pin.forgot')),
      h('p', { id: 'clear-text' }, t('vault.device_pin.clear_text')),
      field(t('vault.device_pin.new_label'), pin, t('vault.device_pin.new_hint')), err,
      h('div', { class: 'actions' }, yes, cancel));
    // The safe choice has the focus: deleting everything is never one keypress away.
    setTimeout(() => cancel.focus(), 0);
    return panel;
  }

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
    pick ? null : h('label', { class: 'check', for: 'vault-shared' }, shared, t('vault.shared_label')),
    pick ? null : managedNote,
    pick ? null : sharedPanel,
    pick ? null : idleBox);
}

/** Add an account: a pasted link, a QR image (file or pasted screenshot), or a key by hand. */
/** "Add an account" with an `otpauth://` link the app was handed (opened from a web page, or
 *  a second launch): filled in, nothing saved until the person chooses a PIN or none and adds.
 *  `back`: the screen the person was on. */
export function addLink(app, link, back) {
  app.show(add, { link, back: back || undefined }, 'vault-add');
}

/** A link that came while the person was busy (signing in, setting up): the Authenticator
 *  opens on it next. */
let heldLink = null;
export function holdLink(link) { heldLink = link; }

function add(app, { back, link } = {}) {
  const box = errorBox();
  const pin = h('input', { type: 'password', inputmode: 'numeric', id: 'new-entry-pin', autocomplete: 'new-password', maxlength: '12' });
  const uri = h('input', { type: 'text', id: 'new-entry-uri', placeholder: t('vault.add.link_placeholder'), autocomplete: 'off', spellcheck: 'false', value: link || '' });
  const file = h('input', { type: 'file', id: 'new-entry-file', accept: 'image/*' });
  const issuer = h('input', { type: 'text', id: 'new-entry-issuer' });
  const account = h('input', { type: 'text', id: 'new-entry-account' });
  const secret = h('input', { type: 'text', id: 'new-entry-secret', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'characters' });
  const algorithm = h('select', { id: 'new-entry-algorithm' }, ['SHA1', 'SHA256', 'SHA512'].map((a) => h('option', { value: a }, a.replace('SHA', 'SHA-'))));
  const digits = h('select', { id: 'new-entry-digits' }, ['6', '7', '8'].map((d) => h('option', { value: d }, d)));
  const period = h('input', { type: 'number', id: 'new-entry-period', value: '30', min: '1', max: '300' });

  const submit = (entry, button) => busy(button, async () => {
    clearError(box);
    try {
      const added = await call('vault_add', { entry, pin: pin.value || null });
      app.show(render, { back, notice: t('vault.add.added', { name: added.entry.issuer || added.entry.account }) + (added.short_secret ? ` ${t('vault.add.short_secret_note')}` : '') }, 'vault');
    } catch (e) { showError(box, e); }
  });
  const fromImage = (blob, button) => {
    const reader = new FileReader();
    reader.onload = () => submit({ source: 'qr_image', image_base64: String(reader.result).split(',')[1] || '' }, button);
    reader.readAsDataURL(blob);
  };
  const addUri = h('button', { type: 'button', class: 'secondary', id: 'add-uri', onclick: (ev) => submit({ source: 'uri', uri: uri.value }, ev.currentTarget) }, t('vault.add.from_link_button'));
  const addFile = h('button', { type: 'button', class: 'secondary', id: 'add-file', onclick: (ev) => {
    if (!file.files.length) { showError(box, { message: t('vault.add.choose_image_first') }); return; }
    fromImage(file.files[0], ev.currentTarget);
  } }, t('vault.add.from_image_button'));
  const addManual = h('button', { type: 'button', class: 'secondary', id: 'add-manual', onclick: (ev) => submit({
    source: 'manual', issuer: issuer.value, account: account.value, secret: secret.value,
    algorithm: algorithm.value, digits: Number(digits.value), period: Number(period.value),
  }, ev.currentTarget) }, t('vault.add.manual_button'));

  // On phones and tablets (the barcode-scanner plugin exists only in mobile builds).
  const scanner = window.__TAURI__ && window.__TAURI__.barcodeScanner;
  const scan = scanner ? h('section', { class: 'card' }, h('h2', {}, t('vault.add.scan_heading')),
    h('button', { type: 'button', class: 'primary', id: 'scan-qr', onclick: (ev) => busy(ev.currentTarget, async () => {
      try {
        const r = await scanner.scan({ formats: [scanner.Format.QRCode] });
        await submit({ source: 'uri', uri: r.content }, ev.currentTarget);
      } catch (e) { showError(box, { message: t('vault.add.scan_failed', { error: errorText(e) }) }); }
    }) }, t('vault.add.scan_button'))) : null;

  const page = h('div', { class: 'page' },
    h('p', {}, h('a', { href: '#vault', onclick: (ev) => { ev.preventDefault(); app.show(render, { back }, 'vault'); } }, t('vault.back_to_authenticator'))),
    h('h1', {}, t('vault.add.title')),
    link ? h('p', { class: 'notice', id: 'link-received', role: 'status' }, t('vault.add.link_received')) : null,
    box,
    h('section', { class: 'card' }, h('h2', {}, t('vault.add.pin_heading')),
      field(t('vault.add.pin_label'), pin, t('vault.add.pin_hint'))),
    scan,
    h('section', { class: 'card' }, h('h2', {}, t('vault.add.qr_heading')),
      field(t('vault.add.image_label'), file, t('vault.add.image_hint')), addFile),
    h('section', { class: 'card' }, h('h2', {}, t('vault.add.link_heading')), field(t('vault.add.link_label'), uri), addUri),
    h('section', { class: 'card' }, h('h2', {}, t('vault.add.manual_heading')),
      field(t('vault.add.service'), issuer), field(t('vault.add.account'), account), field(t('vault.add.key'), secret, t('vault.add.key_hint')),
      h('details', {}, h('summary', {}, t('vault.add.advanced')), field(t('vault.add.algorithm'), algorithm), field(t('vault.add.digits'), digits), field(t('vault.add.period'), period)),
      addManual));
  // A link handed over: the PIN is the one choice left before adding it.
  if (link) setTimeout(() => pin.focus(), 0);
  page.addEventListener('paste', (ev) => {
    const item = [...(ev.clipboardData ? ev.clipboardData.items : [])].find((i) => i.type.startsWith('image/'));
    if (item) { ev.preventDefault(); fromImage(item.getAsFile(), addFile); }
  });
  return page;
}

/** Import a list of links, an Aegis plain export or a Twostep export; export (not on shared). */
function transfer(app, { back, shared = false } = {}) {
  const box = errorBox();
  // A shared device takes accounts in only from its keeper.
  const devicePin = shared ? devicePinInput('import-device-pin') : null;
  const text = h('textarea', { id: 'import-text', rows: '6', spellcheck: 'false' });
  const password = h('input', { type: 'password', id: 'import-password', autocomplete: 'off' });
  const images = h('input', { type: 'file', id: 'import-images', accept: 'image/*', multiple: true });
  const report = h('div', { id: 'import-report', role: 'status' });
  /** The chosen images, as base64 (read in the window, decoded on the Rust side). */
  const imagesBase64 = () => Promise.all([...images.files].map((f) => new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(',')[1] || '');
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(f);
  })));
  const doImport = h('button', { type: 'button', class: 'primary', id: 'do-import', onclick: () => busy(doImport, async () => {
    clearError(box);
    try {
      const r = await call('vault_import', { text: text.value, password: password.value || null, devicePin: devicePin ? devicePin.value : null, imagesBase64: await imagesBase64() });
      report.replaceChildren(
        h('p', {}, t('vault.import.added', { count: r.added }) + (r.short_secrets ? ` ${t('vault.import.short_secrets', { count: r.short_secrets })}` : '')),
        ...(r.problems.length ? [h('ul', { class: 'problems' }, r.problems.map((p) => h('li', {}, t('vault.import.problem', { item: place(p), reason: errorText({ code: p.code, detail: p.detail, message: p.reason }) }))))] : []));
    } catch (e) { showError(box, e); }
  }) }, t('vault.import.button'));
  const expPassword = h('input', { type: 'password', id: 'export-password', autocomplete: 'new-password' });
  const out = h('textarea', { id: 'export-text', rows: '6', readonly: true, hidden: true, 'aria-label': t('vault.export.text_label') });
  const warn = h('p', { class: 'notice', hidden: true, id: 'export-warning' });
  const exp = (kind) => async (ev) => busy(ev.currentTarget, async () => {
    clearError(box);
    try {
      const r = await call('vault_export', { kind, password: expPassword.value || null });
      out.value = r.text; out.hidden = false;
      warn.textContent = r.warning ? t('vault.export.links_warning') : ''; warn.hidden = !r.warning;
      out.select();
    } catch (e) { showError(box, e); }
  });
  return h('div', { class: 'page' },
    h('p', {}, h('a', { href: '#vault', onclick: (ev) => { ev.preventDefault(); app.show(render, { back }, 'vault'); } }, t('vault.back_to_authenticator'))),
    h('h1', {}, t('vault.transfer.title')), box,
    h('section', { class: 'card' }, h('h2', {}, t('vault.import.heading')),
      field(t('vault.import.text_label'), text),
      field(t('vault.import.images_label'), images),
      field(t('vault.import.password_label'), password),
      devicePin ? field(t('vault.device_pin.label'), devicePin, t('vault.device_pin.import_hint')) : null,
      doImport, report),
    h('section', { class: 'card' }, h('h2', {}, t('vault.export.heading')),
      h('p', { class: 'hint' }, t('vault.export.unavailable_hint')),
      field(t('vault.export.password_label'), expPassword),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', id: 'export-encrypted', onclick: exp('encrypted') }, t('vault.export.encrypted_button')),
        h('button', { type: 'button', class: 'ghost', id: 'export-uris', onclick: exp('uris') }, t('vault.export.links_button'))),
      warn, out));
}

/** A field for the device PIN of a shared device (digits, hidden). */
function devicePinInput(id, autocomplete = 'off') {
  return h('input', { type: 'password', inputmode: 'numeric', autocomplete, id, maxlength: '12' });
}

/** Where an import problem is: "Line 3", "Entry 2 (Payroll)", "Image 2". */
function place(p) {
  if (p.line) return t('vault.import.place_line', { number: p.line });
  if (p.image) return t('vault.import.place_image', { number: p.image });
  return p.name ? t('vault.import.place_entry_named', { number: p.entry, name: p.name }) : t('vault.import.place_entry', { number: p.entry });
}

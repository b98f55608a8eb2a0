// One account in the built-in authenticator's list: its code, counting down with a ring, shown
// (after the account's PIN, if it has one), copied or used; and renaming it, giving it a PIN,
// deleting it.

import { call } from './api.js';
import { h, field, errorBox, showError, clearError, busy } from './dom.js';
import { t } from './i18n.js';
import { devicePinInput } from './vault_shared.js';

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

/**
 * The row of entry `e`: `{ li, state }`; `state.tick()`, called every second, answers whether
 * the list must be fetched again (a listed code ran out). `list`: `app`, `pick(code)` when
 * opened from the code screen, `load()` that fetches the list again, and `shared()`, whether
 * the device is shared.
 */
export function entryRow(list, e) {
  const { app, pick } = list;
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
      h('button', { type: 'button', class: 'ghost rename', 'aria-label': t('vault.entry.rename_aria', { name }), onclick: () => rename(list, li, e) }, t('vault.entry.rename')),
      h('button', { type: 'button', class: 'ghost set-pin', 'aria-label': e.has_pin ? t('vault.entry.change_pin_aria', { name }) : t('vault.entry.add_pin_aria', { name }), onclick: () => setPin(list, li, e) }, e.has_pin ? t('vault.entry.change_pin') : t('vault.entry.add_pin')),
      h('button', { type: 'button', class: 'ghost delete', 'aria-label': t('vault.entry.delete_aria', { name }), onclick: () => confirmDelete(list, li, e) }, t('vault.entry.delete'))));
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
  paint();
  return { li, state };
}

/** A PIN field, for entries that have one (their owner's say-so to change them). */
const pinField = (e) => (e.has_pin
  ? h('input', { type: 'password', inputmode: 'numeric', autocomplete: 'off', class: 'pin', maxlength: '12' })
  : null);
// On a shared device, changing an account that has no PIN of its own takes the device PIN.
const keeperField = (list, e) => (list.shared() && !e.has_pin ? devicePinInput(`device-pin-${e.id}`) : null);

function rename(list, li, e) {
  const issuer = h('input', { type: 'text', value: e.issuer, id: `issuer-${e.id}` });
  const account = h('input', { type: 'text', value: e.account, id: `account-${e.id}` });
  const pin = pinField(e);
  const keeper = keeperField(list, e);
  const err = errorBox(`rename-error-${e.id}`, pin || keeper);
  const save = h('button', { type: 'submit', class: 'primary' }, t('vault.save'));
  const form = h('form', { class: 'confirm', onsubmit: (ev) => { ev.preventDefault(); busy(save, async () => {
    try { await call('vault_rename', { id: e.id, issuer: issuer.value, account: account.value, pin: pin ? pin.value : null, devicePin: keeper ? keeper.value : null }); list.load(); } catch (x) { showError(err, x); }
  }); } }, field(t('vault.rename.name'), issuer), field(t('vault.rename.account'), account), pin ? field(t('vault.pin'), pin) : null,
    keeper ? field(t('vault.device_pin.label'), keeper, t('vault.device_pin.change_hint')) : null, err,
    h('div', { class: 'actions' }, save, h('button', { type: 'button', class: 'ghost', onclick: () => form.remove() }, t('vault.cancel'))));
  li.append(form);
  issuer.focus();
}

function setPin(list, li, e) {
  const current = pinField(e);
  const keeper = keeperField(list, e);
  const next = h('input', { type: 'password', inputmode: 'numeric', autocomplete: 'new-password', class: 'new-pin', maxlength: '12' });
  const err = errorBox(`set-pin-error-${e.id}`, current || keeper);
  const save = h('button', { type: 'submit', class: 'primary' }, t('vault.save'));
  const form = h('form', { class: 'confirm', onsubmit: (ev) => { ev.preventDefault(); busy(save, async () => {
    try {
      await call('vault_set_pin', { id: e.id, currentPin: current ? current.value : null, newPin: next.value || null, devicePin: keeper ? keeper.value : null });
      list.app.toast(next.value ? t('vault.set_pin.saved') : t('vault.set_pin.removed'));
      list.load();
    } catch (x) { showError(err, x); }
  }); } },
  current ? field(t('vault.set_pin.current'), current) : null,
  keeper ? field(t('vault.device_pin.label'), keeper, t('vault.device_pin.change_hint')) : null,
  field(t('vault.set_pin.new'), next, e.has_pin ? t('vault.set_pin.hint_remove') : t('vault.set_pin.hint_digits')), err,
  h('div', { class: 'actions' }, save, h('button', { type: 'button', class: 'ghost', onclick: () => form.remove() }, t('vault.cancel'))));
  li.append(form);
  (current || keeper || next).focus();
}

function confirmDelete(list, li, e) {
  // A shared device: its keeper's device PIN, for any account; elsewhere the entry's own.
  const onShared = list.shared();
  const pin = onShared ? null : pinField(e);
  const devicePin = onShared ? devicePinInput('device-pin-delete') : null;
  const err = errorBox(`delete-error-${e.id}`, devicePin || pin);
  const yes = h('button', { type: 'button', class: 'danger', id: 'confirm-vault-delete', onclick: () => busy(yes, async () => {
    try {
      await call('vault_delete', { id: e.id, pin: pin ? pin.value : null, devicePin: devicePin ? devicePin.value : null });
      list.app.toast(t('vault.delete.removed', { name: e.issuer || e.account }));
      list.load();
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

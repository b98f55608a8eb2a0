// A shared device, in the built-in authenticator: the switch that shares it, behind a device
// PIN typed twice (and said what it changes first); turning it off with that PIN, or, the PIN
// forgotten, clearing every account; and the idle time after which it signs out.

import { call } from './api.js';
import { h, fill, field, errorBox, showError, clearError, busy } from './dom.js';
import { t } from './i18n.js';

/**
 * The shared-device settings under the list. `load()` fetches the list again; `update(data)`,
 * after each fetch, makes the switch and the forms follow the vault (`pick`: opened from the
 * code screen, where no form opens); `nodes` go on the page.
 */
export function sharedSettings(app, load, pick) {
  const shared = h('input', { type: 'checkbox', id: 'vault-shared', 'aria-describedby': 'shared-managed' });
  const managedNote = h('p', { class: 'hint', id: 'shared-managed', hidden: true }, t('vault.shared_managed'));
  let data = null;

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

  function update(next) {
    data = next;
    shared.checked = data.shared;
    // Shared by the device's management: nothing here turns it off.
    shared.disabled = !!data.managed;
    managedNote.hidden = !data.managed;
    if (!pick && data.needs_device_pin && !sharedPanel.querySelector('#device-pin-new')) fill(sharedPanel, makeSharedForm(true));
    if (!pick && data.shared && idleBox.hidden) { fill(idleBox, idleForm()); idleBox.hidden = false; }
    if (!data.shared) { fill(idleBox); idleBox.hidden = true; }
  }

  return {
    update,
    nodes: [h('label', { class: 'check', for: 'vault-shared' }, shared, t('vault.shared_label')), managedNote, sharedPanel, idleBox],
  };
}

/** A field for the device PIN of a shared device (digits, hidden). */
export function devicePinInput(id, autocomplete = 'off') {
  return h('input', { type: 'password', inputmode: 'numeric', autocomplete, id, maxlength: '12' });
}

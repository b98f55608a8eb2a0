// Adding an account to the built-in authenticator: a pasted link, a QR image (a file or a pasted
// screenshot, or the camera on phones), or a key by hand, with a PIN of its own or none.

import { call } from './api.js';
import { h, field, errorBox, showError, clearError, busy, errorText } from './dom.js';
import { t } from './i18n.js';
import { render } from './vault.js';
import { greyPicture } from './picture.js';

/** "Portal was added." on the list, with a note when its key is short. */
function addedNotice(added) {
  return t('vault.add.added', { name: added.entry.issuer || added.entry.account }) + (added.short_secret ? ` ${t('vault.add.short_secret_note')}` : '');
}

/** What an `otpauth://` link names (its service and account), or null when it can't be read;
 *  the server checks the rest as it adds it. */
function linkNames(link) {
  try {
    const url = new URL(link);
    if (url.protocol !== 'otpauth:') return null;
    const label = decodeURIComponent(url.pathname.replace(/^\/+/, ''));
    const colon = label.indexOf(':');
    const account = (colon >= 0 ? label.slice(colon + 1) : label).trim();
    const issuer = (url.searchParams.get('issuer') || (colon >= 0 ? label.slice(0, colon) : '')).trim();
    return account || issuer ? { issuer, account } : null;
  } catch (e) { return null; }
}

/** An `otpauth://` link the app was handed: one card to confirm what it adds (service,
 *  account, a PIN or none), its key never shown. A link that can't be read gets the whole form. */
export function confirmLink(app, { back, link }) {
  const names = linkNames(link);
  if (!names) return add(app, { back, link });
  const box = errorBox();
  const pin = h('input', { type: 'password', inputmode: 'numeric', id: 'new-entry-pin', autocomplete: 'new-password', maxlength: '12' });
  const leave = () => (back ? back() : app.show(render, {}, 'vault'));
  const go = h('button', { type: 'submit', class: 'primary', id: 'add-uri' }, t('vault.add.link_add'));
  const page = h('div', { class: 'narrow' },
    h('h1', {}, t('vault.add.link_title')),
    h('p', { class: 'notice', id: 'link-received', role: 'status' }, t('vault.add.link_received')),
    box,
    h('form', {
      class: 'card', id: 'link-confirm', novalidate: true,
      onsubmit: (ev) => {
        ev.preventDefault();
        busy(go, async () => {
          clearError(box);
          try {
            const added = await call('vault_add', { entry: { source: 'uri', uri: link }, pin: pin.value || null });
            app.show(render, { back, notice: addedNotice(added) }, 'vault');
          } catch (e) { showError(box, e); }
        });
      },
    },
      h('dl', { class: 'link-names' },
        names.issuer ? [h('dt', {}, t('vault.add.service')), h('dd', { id: 'link-issuer' }, names.issuer)] : null,
        names.account ? [h('dt', {}, t('vault.add.account')), h('dd', { id: 'link-account' }, names.account)] : null),
      field(t('vault.add.pin_label'), pin, t('vault.add.pin_hint')),
      h('div', { class: 'actions' }, go,
        h('button', { type: 'button', class: 'ghost', id: 'link-cancel', onclick: leave }, t('vault.add.link_cancel')))));
  setTimeout(() => pin.focus(), 0);
  return page;
}

/** Add an account; `link`: an `otpauth://` link the app was handed, filled in. */
export function add(app, { back, link } = {}) {
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
      const made = typeof entry === 'function' ? await entry() : entry;
      const added = await call('vault_add', { entry: made, pin: pin.value || null });
      app.show(render, { back, notice: addedNotice(added) }, 'vault');
    } catch (e) { showError(box, e); }
  });
  // The web view decodes the picture once the button is busy (a second click or paste
  // meanwhile does nothing); the app finds the code in its grey levels.
  const fromImage = (blob, button) => submit(async () => ({ source: 'qr_picture', ...(await greyPicture(blob)) }), button);
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

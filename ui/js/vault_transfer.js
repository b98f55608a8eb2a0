// Moving accounts in and out of the built-in authenticator: importing a list of links, an Aegis
// plain export, a Twostep export or QR images; exporting (encrypted, or as links).

import { call } from './api.js';
import { h, field, errorBox, showError, clearError, busy, errorText } from './dom.js';
import { t } from './i18n.js';
import { render } from './vault.js';
import { devicePinInput } from './vault_shared.js';
import { greyPicture } from './picture.js';

/** As many pictures as an import takes (MAX_IMPORT_IMAGES in src-tauri/authenticator). */
const MAX_IMPORT_IMAGES = 20;

/** Import a list of links, an Aegis plain export or a Twostep export; export (not on shared). */
export function transfer(app, { back, shared = false } = {}) {
  const box = errorBox();
  // A shared device takes accounts in only from its keeper.
  const devicePin = shared ? devicePinInput('import-device-pin') : null;
  const text = h('textarea', { id: 'import-text', rows: '6', spellcheck: 'false' });
  const password = h('input', { type: 'password', id: 'import-password', autocomplete: 'off' });
  const images = h('input', { type: 'file', id: 'import-images', accept: 'image/*', multiple: true });
  const report = h('div', { id: 'import-report', role: 'status' });
  /** The chosen pictures, decoded by the web view (picture.js) one at a time, in their order;
   *  more than any export has are refused before any is decoded. */
  const pictures = async () => {
    if (images.files.length > MAX_IMPORT_IMAGES) throw { code: 'import_unreadable', detail: 'too_large' };
    const all = [];
    for (const f of images.files) all.push(await greyPicture(f));
    return all;
  };
  const doImport = h('button', { type: 'button', class: 'primary', id: 'do-import', onclick: () => busy(doImport, async () => {
    clearError(box);
    try {
      const r = await call('vault_import', { text: text.value, password: password.value || null, devicePin: devicePin ? devicePin.value : null, pictures: await pictures() });
      report.replaceChildren(
        h('p', {}, t('vault.import.added', { count: r.added }) + (r.short_secrets ? ` ${t('vault.import.short_secrets', { count: r.short_secrets })}` : '')),
        ...(r.problems.length ? [h('ul', { class: 'problems' }, r.problems.map((p) => h('li', {}, t('vault.import.problem', { item: place(p), reason: errorText({ code: p.code, detail: p.detail, message: p.reason }) }))))] : []));
    } catch (e) { showError(box, e); }
  }) }, t('vault.import.button'));
  const out = h('textarea', { id: 'export-text', rows: '6', readonly: true, hidden: true, 'aria-label': t('vault.export.text_label') });
  const warn = h('p', { class: 'notice', hidden: true, id: 'export-warning' });
  // An encrypted export's key, shown once: each group of five digits read on its own.
  const keyValue = h('p', { class: 'day-pass-value export-key', id: 'export-key' });
  // Focused when shown (not a live region: it is read once, from its heading).
  const keyBox = h('div', { class: 'notice', id: 'export-key-box', tabindex: '-1', 'aria-labelledby': 'export-key-h', hidden: true },
    h('h3', { id: 'export-key-h' }, t('vault.export.key_label')), keyValue, h('p', {}, t('vault.export.key_note')));
  const exp = (kind) => async (ev) => busy(ev.currentTarget, async () => {
    clearError(box);
    try {
      const r = await call('vault_export', { kind });
      out.value = r.text; out.hidden = false;
      warn.textContent = r.warning ? t('vault.export.links_warning') : ''; warn.hidden = !r.warning;
      keyValue.replaceChildren(...(r.key ? r.key.split(' ').map((g) => h('code', {}, g)) : []));
      keyBox.hidden = !r.key;
      if (r.key) keyBox.focus(); else out.select();
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
      h('p', { class: 'hint' }, t('vault.export.key_hint')),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', id: 'export-encrypted', onclick: exp('encrypted') }, t('vault.export.encrypted_button')),
        h('button', { type: 'button', class: 'ghost', id: 'export-uris', onclick: exp('uris') }, t('vault.export.links_button'))),
      warn, keyBox, out));
}

/** Where an import problem is: "Line 3", "Entry 2 (Payroll)", "Image 2". */
function place(p) {
  if (p.line) return t('vault.import.place_line', { number: p.line });
  if (p.image) return t('vault.import.place_image', { number: p.image });
  return p.name ? t('vault.import.place_entry_named', { number: p.entry, name: p.name }) : t('vault.import.place_entry', { number: p.entry });
}

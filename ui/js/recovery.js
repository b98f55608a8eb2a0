// Recovery codes: the "Save your recovery codes" screen, shown once after they are made (with
// the first method, or "Make new recovery codes"). Nothing goes on until the person says they
// saved them.

import { call } from './api.js';
import { inApp, download } from './transport.js';
import { t, dateTime } from './i18n.js';
import { h, errorBox, showError, clearError, busy, errorText } from './dom.js';

/** `codes`: the ten codes; `next()`: where the person goes once they have saved them. */
export function save(app, { codes, next }) {
  const box = errorBox('recovery-error');
  const saved = h('input', { type: 'checkbox', id: 'codes-saved', name: 'codes-saved' });
  box.forInput = saved;
  const list = h('ol', { class: 'recovery-codes', id: 'recovery-codes', 'aria-label': t('recovery.list_label') },
    codes.map((c) => h('li', {}, h('code', {}, c))));
  // What a copy did is said on the button and in a line under it, in the page's flow: a
  // toast over the card would hide the last codes and the buttons (on a phone).
  const copyStatus = h('p', { id: 'copy-status', class: 'hint', role: 'status' });
  const copy = h('button', {
    type: 'button', id: 'copy-codes', class: 'secondary',
    onclick: () => busy(copy, async () => {
      try {
        // The app copies and clears the clipboard again; a browser's is the page's to write.
        if (inApp) await call('copy_recovery_codes', { codes });
        else await navigator.clipboard.writeText(codes.join('\n'));
        copy.textContent = t('recovery.copied_button');
        copyStatus.textContent = t('recovery.copied');
      } catch (e) { copyStatus.textContent = errorText(e); }
    }),
  }, t('recovery.copy'));
  const file = h('button', {
    type: 'button', id: 'save-codes', class: 'secondary',
    onclick: () => busy(file, async () => {
      try {
        const email = app.me && app.me.person ? app.me.person.email : '';
        const heading = t('recovery.file_heading', { email, date: dateTime(new Date().toISOString()) });
        if (!inApp) {
          download(t('recovery.file_name'), `${heading}\n\n${codes.join('\n')}\n`, 'text/plain');
          app.toast(t('recovery.saved'));
        } else if (await call('save_recovery_codes', { heading, fileName: t('recovery.file_name'), codes })) {
          app.toast(t('recovery.saved'));
        }
      } catch (e) { app.toast(errorText(e)); }
    }),
  }, t('recovery.save_file'));
  const go = h('button', { type: 'submit', id: 'codes-continue', class: 'primary' }, t('recovery.continue'));
  saved.addEventListener('change', () => { if (saved.checked) clearError(box); });
  return h('div', { class: 'narrow' },
    h('h1', {}, t('recovery.title')),
    h('p', {}, t('recovery.intro')),
    h('p', { class: 'notice warning', id: 'codes-once' }, t('recovery.once')),
    h('form', {
      class: 'card', novalidate: true,
      onsubmit: (ev) => {
        ev.preventDefault();
        if (!saved.checked) { showError(box, { message: t('recovery.must_confirm') }); saved.focus(); return; }
        next();
      },
    },
      list,
      h('div', { class: 'actions' }, copy, file),
      copyStatus,
      h('label', { class: 'check', for: 'codes-saved' }, saved, h('span', {}, t('recovery.confirm_saved'))),
      box,
      go));
}

// "Change password": the current one and a new one. The server judges the new one and says
// why a weak one is weak; that reason is shown next to the field.

import { request } from './transport.js';
import { t } from './i18n.js';
import { h, field, errorBox, showError, clearError, busy } from './dom.js';
import { fresh } from './reauth.js';
import * as home from './home.js';

export function render(app) {
  const current = h('input', { type: 'password', id: 'current-password', name: 'current-password', autocomplete: 'current-password', required: true, autofocus: true });
  const next = h('input', { type: 'password', id: 'new-password', name: 'new-password', autocomplete: 'new-password', required: true, minlength: '8', maxlength: '128' });
  const currentBox = errorBox('current-error', current);
  const newBox = errorBox('new-error', next);
  const show = h('input', { type: 'checkbox', id: 'show-passwords' });
  show.addEventListener('change', () => { current.type = next.type = show.checked ? 'text' : 'password'; });
  const submit = h('button', { type: 'submit', id: 'change-password', class: 'primary' }, t('password.submit'));
  return h('div', { class: 'narrow' },
    h('h1', {}, t('password.title')),
    h('p', {}, t('password.intro')),
    h('form', {
      class: 'card', novalidate: true,
      onsubmit: (ev) => {
        ev.preventDefault();
        clearError(currentBox);
        clearError(newBox);
        if (!current.value || !next.value) {
          showError(current.value ? newBox : currentBox, { message: t('password.missing') });
          (current.value ? next : current).focus();
          return;
        }
        busy(submit, async () => {
          try {
            await fresh(app, () => request('PUT', '/me/password', { current_password: current.value, new_password: next.value }));
            current.value = next.value = '';
            app.show(home.render, {}, 'home');
            app.toast(t('password.changed'));
          } catch (e) {
            if (e.handled) return;
            // The reason a new password is weak goes with that field; a wrong current one, with its.
            const box = e.code === 'weak_password' ? newBox : currentBox;
            showError(box, e);
            (box === newBox ? next : current).focus();
          }
        });
      },
    },
      field(t('password.current_label'), current),
      currentBox,
      field(t('password.new_label'), next, t('password.new_hint')),
      newBox,
      h('label', { class: 'check', for: 'show-passwords' }, show, h('span', {}, t('password.show'))),
      submit),
    h('p', {}, h('a', { href: '#home', class: 'quiet', id: 'password-cancel', onclick: (ev) => { ev.preventDefault(); app.show(home.render, {}, 'home'); } }, t('password.cancel'))));
}

// "Add a person" on the administrators' people screen: a name, an email and roles, no password.
// The server emails the person an invitation to choose their own (POST /admin/people without
// `password`). Each error sits on the field it is about and says what to do next.

import { request } from './transport.js';
import { h, field, errorBox, showError, clearError, busy } from './dom.js';
import { t, locale } from './i18n.js';
import { fresh } from './reauth.js';

const ROLES = ['staff', 'guardian', 'admin'];

/** Which field an error code of `POST /admin/people` is about. */
const FIELD_OF = {
  invalid_name: 'name',
  invalid_email: 'email', generic_email: 'email', email_taken: 'email',
  invalid_roles: 'roles', operator_only: 'roles',
};

/** The button, and the form it opens; `added(person, text)` shows the person added. */
export function addPerson(app, added) {
  const toggle = h('button', { type: 'button', class: 'secondary', id: 'add-person', 'aria-expanded': 'false', 'aria-controls': 'add-person-form' }, t('admin.add.button'));
  const name = h('input', { type: 'text', id: 'add-name', autocomplete: 'off', maxlength: '200', required: true });
  const email = h('input', { type: 'email', id: 'add-email', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none', required: true });
  const roles = ROLES.map((r) => h('input', { type: 'checkbox', name: 'role', value: r, id: `add-role-${r}` }));
  const lang = h('select', { id: 'add-locale' }, ['en', 'es'].map((l) => h('option', { value: l, lang: l }, t(`common.language.${l}`))));
  lang.value = locale();
  const boxes = { name: errorBox('add-name-error', name), email: errorBox('add-email-error', email), roles: errorBox('add-roles-error'), form: errorBox('add-error') };
  const rolesSet = h('fieldset', { id: 'add-roles', 'aria-describedby': 'add-roles-hint' },
    h('legend', {}, t('admin.add.roles')),
    h('p', { class: 'hint', id: 'add-roles-hint' }, t('admin.add.roles_hint')),
    boxes.roles,
    roles.map((b) => h('label', { class: 'check', for: b.id }, b, t(`admin.role.${b.value}`))));
  const submit = h('button', { type: 'submit', class: 'primary', id: 'add-submit' }, t('admin.add.submit'));
  const clear = () => Object.values(boxes).forEach(clearError);
  // An error on its field, focused there; the form's own box for anything else.
  const fail = (where, err) => {
    showError(boxes[where] || boxes.form, err);
    ({ name, email, roles: roles[0] }[where] || submit).focus();
  };
  const form = h('form', {
    id: 'add-person-form', class: 'add-person', novalidate: true, hidden: true, 'aria-labelledby': 'add-person-h',
    onsubmit: (ev) => {
      ev.preventDefault();
      clear();
      const chosen = roles.filter((b) => b.checked).map((b) => b.value);
      if (!name.value.trim()) return fail('name', { message: t('admin.add.missing_name') });
      if (!email.value.trim()) return fail('email', { message: t('admin.add.missing_email') });
      if (!chosen.length) return fail('roles', { message: t('admin.add.missing_roles') });
      busy(submit, async () => {
        try {
          const p = await fresh(app, () => request('POST', '/admin/people', {
            name: name.value.trim(), email: email.value.trim(), roles: chosen, locale: lang.value,
          }));
          added(p, t('admin.add.done', { name: p.name, email: p.email }));
        } catch (e) { if (!e.handled) fail(FIELD_OF[e.code] || 'form', e); }
      });
    },
  },
    h('h3', { id: 'add-person-h' }, t('admin.add.title')),
    h('p', { class: 'hint' }, t('admin.add.intro')),
    field(t('admin.add.name'), name),
    field(t('admin.add.email'), email),
    rolesSet,
    field(t('admin.add.language'), lang),
    boxes.form,
    h('div', { class: 'actions' }, submit,
      h('button', { type: 'button', class: 'ghost', id: 'add-cancel', onclick: () => show(false) }, t('admin.cancel'))));
  const show = (on) => {
    form.hidden = !on;
    toggle.hidden = on;
    toggle.setAttribute('aria-expanded', String(on));
    if (on) name.focus(); else { clear(); toggle.focus(); }
  };
  toggle.onclick = () => show(true);
  return h('div', { class: 'add-person-area' }, toggle, form);
}

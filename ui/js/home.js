// The signed-in start page: who you are, which profile, and where your 2-Step Verification stands.

import { t } from './i18n.js';
import { request } from './transport.js';
import { h, methodLabel, busy, errorText } from './dom.js';
import * as methods from './methods.js';
import * as admin from './admin.js';
import * as setup from './setup.js';
import * as password from './password.js';
import * as sessions from './sessions.js';

export function render(app, { notice } = {}) {
  const me = app.me;
  const p = me.person;
  const ts = p.two_step;
  const family = me.profile === 'guardian';
  // Required of someone who is only a family member: their center's policy says so.
  const familyOnly = !p.roles.includes('staff') && !p.roles.includes('admin');
  return h('div', { class: 'page' },
    h('h1', { id: 'welcome' }, t('home.welcome', { name: p.name.split(' ')[0] })),
    notice ? h('p', { class: 'notice' }, notice) : null,
    me.recovered ? recoveredBanner(app, ts) : null,
    h('p', { class: 'hint', id: 'profile-line' }, t(family ? 'home.profile_line.guardian' : me.profile === 'staff' ? 'home.profile_line.staff' : 'home.profile_line.admin', { center: p.center.name })),
    h('section', { class: 'card', 'aria-labelledby': 'tsv-h' },
      h('h2', { id: 'tsv-h' }, t('home.tsv_title')),
      ts.enabled
        ? h('p', { id: 'tsv-state' }, t('home.tsv_on', { count: ts.methods.length, methods: ts.methods.map(methodLabel).join(t('home.list_separator')) }))
        : h('p', { id: 'tsv-state' }, ts.required
          ? t(familyOnly ? 'home.tsv_off_required_family' : 'home.tsv_off_required')
          : t('home.tsv_off')),
      // A center that requires it of families too says so to them, set up or not.
      familyOnly && ts.required && ts.enabled ? h('p', { class: 'hint', id: 'tsv-family-required' }, t('home.tsv_family_required')) : null,
      h('button', { type: 'button', class: 'secondary', id: 'manage-2sv', onclick: () => app.show(methods.render, {}, 'methods') }, ts.enabled ? t('home.manage') : t('home.set_up'))),
    p.roles.includes('admin')
      ? h('section', { class: 'card' }, h('h2', {}, t('home.admin_title')),
          h('p', {}, t('home.admin_intro')),
          h('button', { type: 'button', class: 'secondary', onclick: () => app.show(admin.render, {}, 'admin') }, t('home.open_admin')))
      : null,
    h('section', { class: 'card', 'aria-labelledby': 'account-h' },
      h('h2', { id: 'account-h' }, t('home.account_title')),
      h('p', {}, t('home.account_intro')),
      h('button', { type: 'button', class: 'secondary', id: 'open-password', onclick: () => app.show(password.render, {}, 'password') }, t('home.change_password'))),
    sessions.section(app));
}

/** Signed in with a recovery code: what to do next, while the person is still here. */
function recoveredBanner(app, ts) {
  return h('section', { class: 'card notice warning', id: 'recovered-banner', role: 'status' },
    h('p', {}, t('home.recovered', { count: ts.recovery_codes_left })),
    h('p', {}, t('home.recovered_next')),
    h('div', { class: 'actions' },
      h('button', {
        type: 'button', class: 'primary', id: 'recovered-add',
        onclick: (ev) => busy(ev.currentTarget, async () => {
          try {
            const data = await app.guard(request('GET', '/me/methods'));
            app.show(setup.choose, { mode: 'add', allowed: data.allowed_kinds, email: app.me.person.email }, 'add-method');
          } catch (e) { if (!e.handled) app.toast(errorText(e)); }
        }),
      }, t('home.add_method')),
      h('button', { type: 'button', class: 'secondary', id: 'recovered-codes', onclick: () => app.show(methods.render, { makeCodes: true }, 'methods') }, t('home.make_codes'))));
}

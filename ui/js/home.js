// The signed-in start page: who you are, which profile, and where your 2-Step Verification stands.

import { h, KIND_LABEL } from './dom.js';
import * as methods from './methods.js';
import * as admin from './admin.js';

export function render(app, { notice } = {}) {
  const me = app.me;
  const p = me.person;
  const ts = p.two_step;
  const family = me.profile === 'guardian';
  return h('div', { class: 'page' },
    h('h1', { id: 'welcome' }, `Welcome, ${p.name.split(' ')[0]}`),
    notice ? h('p', { class: 'notice' }, notice) : null,
    h('p', { class: 'hint', id: 'profile-line' }, `${family ? 'Family' : me.profile === 'staff' ? 'Staff' : 'Administrator'} profile · ${p.center.name}`),
    h('section', { class: 'card', 'aria-labelledby': 'tsv-h' },
      h('h2', { id: 'tsv-h' }, '2-Step Verification'),
      ts.enabled
        ? h('p', { id: 'tsv-state' }, `On · ${ts.methods.length} ${ts.methods.length === 1 ? 'method' : 'methods'}: `, ts.methods.map((m) => `${KIND_LABEL[m.kind]} (${m.hint})`).join(', '))
        : h('p', { id: 'tsv-state' }, ts.required
          ? 'Off. Your center requires it for staff: set it up now.'
          : 'Off. Add a method to protect your account with a code after your password.'),
      h('button', { type: 'button', class: 'secondary', id: 'manage-2sv', onclick: () => app.show(methods.render, {}, 'methods') }, ts.enabled ? 'Manage' : 'Set up')),
    p.roles.includes('admin')
      ? h('section', { class: 'card' }, h('h2', {}, 'Administration'),
          h('p', {}, 'Find staff and families, reset a person\'s 2-Step Verification, choose the methods your center allows.'),
          h('button', { type: 'button', class: 'secondary', onclick: () => app.show(admin.render, {}, 'admin') }, 'Open administration'))
      : null);
}

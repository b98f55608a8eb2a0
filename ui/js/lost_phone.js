// "Lost your phone?" on the second step's screens: what to do without it (a recovery code,
// another method, or a one-day pass an administrator reads out), and entering that pass. On
// the sign-in screen, before any code is asked for, the same answer as a short note.

import { t } from './i18n.js';
import { h } from './dom.js';
import { enterRecovery, pick, orderMethods, signingInAs, cancelLink, standInForm } from './signin.js';

/** The link to the screen, for the pick, code and passkey screens of sign-in `step`;
 *  `leaving` runs first (the passkey screen ends its browser dialog). */
export function lostPhoneLink(app, step, leaving = () => {}) {
  return h('p', {}, h('a', {
    href: '#lost-phone', id: 'lost-phone',
    onclick: (ev) => { ev.preventDefault(); leaving(); app.show(lostPhone, { step }, 'verify-lost-phone'); },
  }, t('signin.lost.link')));
}

/** The sign-in screen's note: a code is asked for after the password; say what helps then. */
export function lostPhoneNote() {
  return h('details', { class: 'help', id: 'lost-phone-help' },
    h('summary', {}, t('signin.lost.link')),
    h('p', {}, t('signin.lost.signin_hint')));
}

/** The three ways on without the phone, each with what it is and one button. */
export function lostPhone(app, { step }) {
  const option = (id, heading, body, label, go) => h('li', { class: 'card' },
    h('h2', { id: `${id}-h` }, heading),
    h('p', { id: `${id}-body` }, body),
    h('button', { type: 'button', class: 'secondary', id, 'aria-describedby': `${id}-body`, onclick: go }, label));
  const others = step.methods && step.methods.length > 1;
  return h('div', { class: 'narrow' },
    h('h1', {}, t('signin.lost.title')),
    signingInAs(app, step),
    h('p', {}, t('signin.lost.intro')),
    h('ul', { class: 'lost-options' },
      option('lost-recovery', t('signin.lost.recovery_h'), t('signin.lost.recovery_body'), t('signin.lost.recovery_button'),
        () => app.show(enterRecovery, { step }, 'verify-recovery')),
      others
        ? option('lost-other', t('signin.lost.other_h'), t('signin.lost.other_body'), t('signin.lost.other_button'),
          () => app.show(pick, { step, methods: orderMethods(step.methods, step.preferred_method_id) }, 'verify-pick'))
        : null,
      option('lost-pass', t('signin.lost.pass_h'), t('signin.lost.pass_body'), t('signin.lost.pass_button'),
        () => app.show(enterPass, { step }, 'verify-day-pass'))),
    cancelLink(app));
}

/** The pass an administrator read out, in place of a code; like a recovery code's field. */
export function enterPass(app, { step }) {
  const pass = h('input', {
    id: 'day-pass-input', name: 'day-pass', type: 'text', autocomplete: 'off', spellcheck: 'false',
    autocapitalize: 'characters', maxlength: '20', class: 'code recovery', required: true, autofocus: true,
  });
  const form = standInForm(app, step, {
    input: pass, submitId: 'use-day-pass', path: 'day-pass', body: (v) => ({ pass: v }),
    missing: 'signin.pass.missing', wrong: 'signin.pass.wrong', label: 'signin.pass.label', hint: 'signin.pass.hint',
  });
  return h('div', { class: 'narrow' },
    h('h1', {}, t('signin.pass.title')),
    signingInAs(app, step),
    h('p', { id: 'day-pass-intro' }, t('signin.pass.intro')),
    form,
    h('p', {}, h('a', { href: '#lost-phone', id: 'back-to-lost', onclick: (ev) => { ev.preventDefault(); app.show(lostPhone, { step }, 'verify-lost-phone'); } }, t('signin.pass.back'))),
    cancelLink(app));
}

// Passkeys at sign-in, in a browser: "Sign in with a passkey" (no password: a passkey that
// verified its user is two factors in one) with passkeys offered in the email field's
// autofill, and a passkey as the second step after the password. The browser's dialog does
// the rest (webauthn.js); the answers are the API's (docs/api.md "Sign-in").

import { request, deviceName, inApp } from './transport.js';
import { t } from './i18n.js';
import { h, errorBox, showError, clearError, busy } from './dom.js';
import * as webauthn from './webauthn.js';
import { pick, enterRecovery, signingInAs, headed, cancelLink, orderMethods, rememberChoice } from './signin.js';
import { lostPhoneLink } from './lost_phone.js';

/** Below the password form: "Sign in with a passkey", and, where the browser offers it,
 *  passkeys in `email`'s autofill (a request waiting in the background, ended when the button
 *  or the password is used). Nothing where passkeys can't be used (the app, an IP address). */
export function passkeySignIn(app, email) {
  if (!webauthn.available()) return null;
  const box = errorBox('passkey-error');
  const go = h('button', { type: 'button', id: 'passkey-sign-in', class: 'secondary passkey' }, t('signin.passkey.sign_in'));
  const answer = async (asked, credential) => {
    const body = { credential, device_name: deviceName(app.status) };
    app.step(await request('POST', `/login/passkey/${asked.ceremony_id}`, body));
  };
  const refused = (e, { button }) => {
    if (e.aborted || (e.code === 'passkey_cancelled' && !button)) return;
    // The rules of a password sign-in: a new password owed first, or only a recovery code.
    if (e.code === 'password_change_required') return app.step({ next: 'new_password' });
    if (e.code === 'two_step_locked' && e.challenge_id) return app.step({ next: 'recover', challenge_id: e.challenge_id });
    if (e.code === 'passkey_cancelled') showError(box, { message: t('signin.passkey.cancelled_alone') });
    else if (e.code === 'kind_not_allowed') showError(box, { message: t('signin.passkey.not_allowed') });
    else showError(box, e);
    go.focus();
  };
  go.addEventListener('click', () => busy(go, async () => {
    clearError(box);
    try {
      const asked = await request('POST', '/login/passkey');
      await answer(asked, await webauthn.get(asked.options));
    } catch (e) { refused(e, { button: true }); }
  }));
  webauthn.autofillAvailable().then(async (yes) => {
    if (!yes || !email.isConnected) return;
    email.setAttribute('autocomplete', 'username webauthn');
    try {
      const asked = await request('POST', '/login/passkey');
      const credential = await webauthn.get(asked.options, { conditional: true });
      await busy(go, () => answer(asked, credential));
    } catch (e) { refused(e, { button: false }); }
  });
  return h('div', { class: 'passkey-sign-in', id: 'passkey-sign-in-section' },
    h('p', { class: 'or', 'aria-hidden': 'true' }, t('signin.passkey.or')),
    box,
    go,
    h('p', { class: 'hint' }, t('signin.passkey.hint')));
}

/** The second step with a passkey: "Use your passkey", which opens the browser's dialog for
 *  that passkey. `now`: the tap that chose it starts it (the list's Continue). The request is
 *  asked for as the screen opens, so that the tap goes straight to the browser. */
export function usePasskey(app, { step, method, now }) {
  const usable = webauthn.available();
  const box = errorBox();
  const go = h('button', { type: 'button', id: 'use-passkey', class: 'primary', autofocus: true }, t('signin.passkey.use'));
  const remember = usable ? rememberChoice(app, step) : null;
  const asking = () => {
    const p = request('POST', `/challenges/${step.challenge_id}/send`, { method_id: method.id });
    p.catch(() => {});
    return p;
  };
  let asked = usable ? asking() : null;
  const over = (e) => {
    // Nothing here can work any more: one message and the one way on, nothing else.
    go.disabled = true;
    go.dataset.locked = '1';
    go.hidden = true;
    screenEl.querySelectorAll('.after-form, .signing-in-as, #passkey-where').forEach((el) => { el.hidden = true; });
    if (e.code === 'passkey_failed' || e.code === 'challenge_locked') headed(screenEl, t('signin.too_many_tries'));
    const message = e.code === 'passkey_failed' ? { message: t('signin.passkey.last_try') } : e;
    showError(box, message, h('button', { type: 'button', id: 'start-over', class: 'primary', onclick: () => app.signedOut() }, t('signin.start_over')));
    box.querySelector('button').focus();
  };
  const run = () => busy(go, async () => {
    clearError(box);
    try {
      const options = (await (asked || asking())).options;
      asked = null;
      const credential = await webauthn.get(options);
      const body = { method_id: method.id, credential };
      if (remember && remember.input.checked) body.remember = true;
      app.step(await request('POST', `/challenges/${step.challenge_id}/verify`, body));
    } catch (e) {
      asked = null;
      if (e.aborted) return;
      if (e.code === 'two_step_locked') return app.show(enterRecovery, { step: { ...step, challenge_id: e.challenge_id || step.challenge_id }, locked: true }, 'verify-recovery');
      const lastTry = e.code === 'passkey_failed' && e.attempts_left === 0;
      if (lastTry || ['challenge_locked', 'challenge_expired', 'not_found'].includes(e.code)) return over(e);
      if (e.code === 'passkey_failed') showError(box, { message: t('signin.passkey.failed', { count: e.attempts_left }) });
      else if (e.code === 'passkey_cancelled') showError(box, { message: t('signin.passkey.cancelled') });
      else showError(box, e);
      go.focus();
    }
  });
  go.addEventListener('click', run);

  const others = step.methods.length > 1
    ? h('p', {}, h('a', { href: '#pick', id: 'other-way', onclick: (ev) => { ev.preventDefault(); webauthn.abort(); app.show(pick, { step, methods: orderMethods(step.methods, step.preferred_method_id) }, 'verify-pick'); } }, t('signin.other_way')))
    : null;
  const recoveryLink = h('p', {}, h('a', {
    href: '#recovery', id: 'use-recovery',
    onclick: (ev) => { ev.preventDefault(); webauthn.abort(); app.show(enterRecovery, { step }, 'verify-recovery'); },
  }, t('signin.use_recovery')));
  const after = [others, recoveryLink, lostPhoneLink(app, step, () => webauthn.abort()), cancelLink(app)].filter(Boolean);
  after.forEach((el) => el.classList.add('after-form'));
  const card = usable
    ? h('div', { class: 'card' },
        h('p', { id: 'passkey-where' }, t('signin.passkey.where', { hint: method.hint })),
        // The app's passkeys are used in the system browser (webauthn.js).
        inApp ? h('p', { class: 'hint', id: 'passkey-browser-hint' }, t('common.passkey_in_browser')) : null,
        remember && remember.el, box, go)
    : h('div', { class: 'card' },
        h('p', { class: 'notice warning', id: 'passkey-where' }, t(step.methods.length > 1 ? 'signin.passkey.not_here' : 'signin.passkey.not_here_only')));
  const screenEl = h('div', { class: 'narrow' }, h('h1', {}, t('signin.passkey.title')), signingInAs(app, step), card, after);
  if (usable && now) run();
  return screenEl;
}

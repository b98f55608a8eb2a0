// Signed-out screens: the server, the password, picking a method, entering the code.

import { call } from './api.js';
import { request, deviceName, inApp } from './transport.js';
import { t } from './i18n.js';
import { languageSwitch } from './language.js';
import { h, setClockOffset, field, errorBox, showError, clearError, busy } from './dom.js';
import { codeInput, countdown, attemptsLeft, noCodeHelp } from './code.js';
import * as vault from './vault.js';
import * as webauthn from './webauthn.js';
import { passkeySignIn, usePasskey } from './signin_passkey.js';
import * as passkeyApp from './passkey_app.js';
import * as forgot from './forgot.js';
import { lostPhoneLink, lostPhoneNote } from './lost_phone.js';

/** "Which center?": the address of the center's server, typed or taken from a link out of
 *  the center's emails (its origin), or the demo on this device where the build has one. On a
 *  shared device, only its keeper changes it (the device PIN): a passer-by must not point the
 *  tablet elsewhere. */
export function server(app, { notice } = {}) {
  const url = h('input', { type: 'url', name: 'server', id: 'server-url', autocomplete: 'url', placeholder: t('signin.server_placeholder'), required: true, spellcheck: 'false', autocapitalize: 'none', autofocus: true });
  const box = errorBox('form-error', url);
  // What a pasted link became: said aloud, and shown, before anything is sent anywhere.
  const taken = h('p', { id: 'server-taken', class: 'hint', 'aria-live': 'polite' });
  url.addEventListener('change', () => {
    const origin = originOfLink(url.value);
    taken.textContent = origin ? t('signin.server_link_taken', { address: origin }) : '';
    if (origin) url.value = origin;
  });
  const connect = h('button', { type: 'submit', id: 'connect', class: 'primary' }, t('signin.connect'));
  const shared = !!(app.status && app.status.shared);
  const devicePin = shared ? h('input', { type: 'password', inputmode: 'numeric', autocomplete: 'off', id: 'server-device-pin', maxlength: '12' }) : null;
  const pin = () => (devicePin ? devicePin.value : null);
  const back = app.status && app.status.server
    ? h('p', {}, h('a', { href: '#sign-in', id: 'server-back', onclick: (ev) => { ev.preventDefault(); app.signedOut(); } }, t('signin.server_back')))
    : null;
  // The demo is a developer's and an evaluator's: only a build that carries it offers it.
  const demo = app.status && app.status.demo_available
    ? h('section', { class: 'card' },
        h('h2', {}, t('signin.demo_title')),
        h('p', {}, t('signin.demo_intro')),
        h('button', {
          type: 'button', id: 'use-demo', class: 'secondary',
          onclick: (ev) => busy(ev.currentTarget, async () => {
            try {
              app.status = await call('use_demo', { devicePin: pin() });
              setClockOffset(app.status.clock_offset_ms);
              app.signedOut();
            } catch (e) {
              clearError(box);
              box.forInput = devicePin;
              showError(box, e);
              if (devicePin) { devicePin.select(); devicePin.focus(); }
            }
          }),
        }, t('signin.use_demo')))
    : null;
  const screenEl = h('div', { class: 'narrow' },
    back,
    h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, '2'), h('span', {}, t('signin.brand')),
      languageSwitch(app, 'server-language')),
    h('h1', {}, t('signin.server_title')),
    h('p', { id: 'server-intro' }, t('signin.server_intro')),
    notice ? h('p', { class: 'notice' }, notice) : null,
    shared ? h('p', { class: 'notice', id: 'server-shared' }, t('signin.server_shared')) : null,
    h('form', {
      class: 'card', novalidate: true,
      onsubmit: (ev) => {
        ev.preventDefault();
        busy(connect, async () => {
          clearError(box);
          if (!url.value.trim()) { showError(box, { message: t('signin.server_missing') }); url.focus(); return; }
          try {
            app.status = await call('choose_server', { url: url.value, devicePin: pin() });
            setClockOffset(app.status.clock_offset_ms);
            app.signedOut();
          } catch (e) {
            const pinWrong = devicePin && ['wrong_pin', 'pin_locked', 'no_device_pin'].includes(e.code);
            // The message sits on the field it is about.
            box.forInput = pinWrong ? devicePin : url;
            showError(box, e);
            if (pinWrong) { devicePin.select(); devicePin.focus(); } else url.focus();
          }
        });
      },
    },
      field(t('signin.server_label'), url, t('signin.server_hint')),
      taken,
      devicePin ? field(t('vault.device_pin.label'), devicePin, t('signin.server_pin_hint')) : null,
      box,
      connect),
    demo);
  // Focus starts in the field: with it a screen reader reads the screen's sentence too.
  url.setAttribute('aria-describedby', `server-intro ${url.getAttribute('aria-describedby')}`);
  return screenEl;
}

/** The server's address in a link pasted from the center's email (an invitation, a sign-in
 *  link): its origin. Nothing for an address alone, or for what is no http(s) link; the app
 *  checks the address again either way (settings::check_server_address). */
function originOfLink(text) {
  let u;
  try { u = new URL(text.trim()); } catch (e) { return null; }
  if (!['https:', 'http:'].includes(u.protocol) || !u.host) return null;
  const bare = (u.pathname === '/' || u.pathname === '') && !u.search && !u.hash;
  return bare ? null : u.origin;
}

/** Email and password. In demo mode, the demo accounts with their passwords. */
export function render(app, { notice, email: prefill } = {}) {
  const s = app.status || {};
  const box = errorBox();
  const email = h('input', { type: 'email', name: 'email', id: 'email', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false', value: prefill || '', autofocus: true });
  const password = h('input', { type: 'password', name: 'password', id: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', id: 'sign-in', class: 'primary' }, t('signin.sign_in'));
  // Typed on a phone's small keys, a password is easier to get right when it can be seen.
  const show = h('input', { type: 'checkbox', id: 'show-password' });
  show.addEventListener('change', () => { password.type = show.checked ? 'text' : 'password'; });
  const showPassword = h('label', { class: 'check', for: 'show-password' }, show, h('span', {}, t('signin.new_password.show')));
  const form = h('form', {
    class: 'card', novalidate: true,
    onsubmit: (ev) => {
      ev.preventDefault();
      if (!email.value.trim() || !password.value) {
        showError(box, { message: t('signin.missing_credentials') });
        (email.value.trim() ? password : email).focus();
        return;
      }
      // The password wins over the autofill's passkey request waiting in the background.
      webauthn.abort();
      busy(submit, async () => {
        clearError(box);
        try {
          const who = email.value.trim();
          const step = await request('POST', '/login', { email: who, password: password.value, device_name: deviceName(s) });
          password.value = '';
          app.step({ ...step, email: who });
        } catch (e) {
          // Unfrozen since the last sign-in: a new password comes first (whoever froze the
          // account out may know this one). Locked for good: only a recovery code goes on, on
          // the challenge the 423 names.
          const who = email.value.trim();
          if (e.code === 'password_change_required') { password.value = ''; return app.step({ next: 'new_password', email: who }); }
          if (e.code === 'two_step_locked' && e.challenge_id) { password.value = ''; return app.step({ next: 'recover', challenge_id: e.challenge_id, email: who }); }
          showError(box, e);
          password.select();
          password.focus();
        }
      });
    },
  }, field(t('signin.email_label'), email), field(t('signin.password_label'), password), showPassword, box, submit);

  // The server screen asks for the device PIN on a shared device: whether it is one now.
  const changeServer = async (ev) => {
    ev.preventDefault();
    try { app.status = await call('app_status'); } catch (e) { /* the screen says what is wrong */ }
    app.show(server, {}, 'server');
  };
  // Which server this sign-in goes to, always: its host, where a look-alike would show.
  const serverLine = s.server
    ? h('p', { class: 'server-line', id: 'server-line' },
        s.server.demo ? t('signin.server_demo') : [t('signin.server_host'), ' ', h('strong', { id: 'server-host' }, hostOf(s.server.url))],
        s.preset ? null : [' · ', h('a', { href: '#server', id: 'change-server', onclick: changeServer }, t('signin.change_server'))])
    : null;

  const accounts = (s.demo_accounts || []).length
    ? h('section', { class: 'card demo-accounts', 'aria-labelledby': 'demo-h' },
        h('h2', { id: 'demo-h' }, t('signin.demo_accounts_title')),
        h('p', { class: 'hint' }, t('signin.demo_accounts_hint')),
        h('ul', {}, s.demo_accounts.map((a) => h('li', {},
          h('button', {
            type: 'button', class: 'account',
            onclick: () => { email.value = a.email; password.value = a.password; submit.focus(); },
          },
            h('span', { class: 'acct-email' }, a.email),
            h('span', { class: 'acct-about' }, a.about),
            h('span', { class: 'acct-pass' }, t('signin.demo_password'), h('code', {}, a.password)))))))
    : null;

  return h('div', { class: accounts ? 'signin-layout' : 'signin-layout solo' },
    h('div', { class: 'narrow' },
      h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, '2'), h('span', {}, t('signin.brand')),
        languageSwitch(app, 'language')),
      h('h1', {}, t('signin.title')),
      notice ? h('p', { class: 'notice', id: 'notice' }, notice) : null,
      form,
      h('p', { class: 'forgot' }, h('a', { href: '#forgot-password', id: 'forgot-password', onclick: (ev) => { ev.preventDefault(); app.show(forgot.render, { email: email.value.trim() }, 'forgot-password'); } }, t('signin.forgot.link'))),
      lostPhoneNote(),
      // A browser with passkeys: "Sign in with a passkey", and passkeys in the email's autofill;
      // the app: a passkey through the system browser.
      inApp ? passkeyApp.inBrowser(app, s) : passkeySignIn(app, email),
      serverLine,
      inApp && h('p', {}, h('a', { href: '#vault', id: 'open-vault', onclick: (ev) => { ev.preventDefault(); app.show(vault.render, { back: () => app.signedOut() }, 'vault'); } }, t('signin.open_vault')))),
    accounts);
}

/** A new password before the sign-in goes on: after an administrator unfroze the account
 *  (whoever froze it out may know the old one), or through an emailed reset link (`token`).
 *  The server says why a weak one is weak; the second step follows either way. */
export function newPassword(app, { email, token, invitation } = {}) {
  const viaLink = !!token;
  const next = h('input', { type: 'password', id: 'new-password', name: 'new-password', autocomplete: 'new-password', required: true, minlength: '8', maxlength: '128', autofocus: true });
  const box = errorBox('new-password-error', next);
  const show = h('input', { type: 'checkbox', id: 'show-new-password' });
  show.addEventListener('change', () => { next.type = show.checked ? 'text' : 'password'; });
  const submit = h('button', { type: 'submit', id: 'set-new-password', class: 'primary' }, t('signin.new_password.submit'));
  const device = deviceName(app.status || {});
  const save = (value) => {
    if (invitation) return request('POST', `/invitations/${encodeURIComponent(token)}`, { password: value, device_name: device });
    if (viaLink) return request('POST', `/password-reset/${encodeURIComponent(token)}`, { new_password: value, device_name: device });
    return request('PUT', '/me/password', { new_password: value });
  };
  const form = h('form', {
    class: 'card', novalidate: true,
    onsubmit: (ev) => {
      ev.preventDefault();
      if (!next.value) { showError(box, { message: t('signin.new_password.missing') }); next.focus(); return; }
      busy(submit, async () => {
        clearError(box);
        try {
          const step = await save(next.value);
          next.value = '';
          app.step({ ...step, email });
        } catch (e) {
          // The token or the link is spent or too old: one message and the one way on.
          if (e.code === (viaLink ? 'not_found' : 'unauthenticated')) {
            box.forInput = null;
            form.replaceChildren(box);
            const way = viaLink && !invitation
              ? h('button', { type: 'button', id: 'ask-again', class: 'primary', onclick: () => app.show(forgot.render, {}, 'forgot-password') }, t('signin.reset.ask_again'))
              : h('button', { type: 'button', id: 'start-over', class: 'primary', onclick: () => app.signedOut() }, t('signin.start_over'));
            const gone = invitation ? 'signin.invitation.gone' : viaLink ? 'signin.reset.gone' : 'signin.new_password.expired';
            showError(box, { message: t(gone) }, way);
            box.querySelector('button').focus();
            return;
          }
          showError(box, e);
          next.select();
          next.focus();
        }
      });
    },
  },
    field(t('signin.new_password.label'), next, t('password.new_hint')),
    box,
    h('label', { class: 'check', for: 'show-new-password' }, show, h('span', {}, t('signin.new_password.show'))),
    submit);
  return h('div', { class: 'narrow' },
    h('h1', {}, t(invitation ? 'signin.invitation.title' : 'signin.new_password.title')),
    h('p', { id: 'new-password-intro' }, t(invitation ? 'signin.invitation.intro' : viaLink ? 'signin.reset.intro' : 'signin.new_password.intro')),
    form,
    cancelLink(app));
}

/** After the password: pick where the code goes, or straight to the code. */
export function verify(app, step) {
  const methods = orderMethods(step.methods, step.preferred_method_id);
  if (step.code_sent) {
    const m = methods.find((x) => x.id === step.code_sent.method_id) || methods[0];
    return app.show(enterCode, { step, method: m, delivery: step.code_sent }, 'verify-code');
  }
  // A passkey, the only method or the preferred one: its own screen, whose button starts the
  // browser's dialog (browsers want a tap first). Where passkeys can't be used, the list.
  const first = methods[0];
  if (first.kind === 'passkey' && (methods.length === 1 || (first.id === step.preferred_method_id && webauthn.available()))) {
    return app.show(usePasskey, { step, method: first }, 'verify-passkey');
  }
  if (methods.length === 1) {
    return app.show(enterCode, { step, method: methods[0] }, 'verify-code');
  }
  app.show(pick, { step, methods }, 'verify-pick');
}

export function orderMethods(methods, preferred) {
  return [...methods].sort((a, b) => (b.id === preferred) - (a.id === preferred));
}

/** How the list names a method: "Use your authenticator app", "Email a code to j•••@…",
 *  "Use your passkey “My phone”". */
function pickLabel(m) {
  if (m.kind === 'totp') return t('signin.pick_totp');
  if (m.kind === 'passkey') return t('signin.pick_passkey', { hint: m.hint });
  return m.kind === 'email' ? t('signin.pick_email', { hint: m.hint }) : t('signin.pick_sms', { hint: m.hint });
}

export function pick(app, { step, methods }) {
  const box = errorBox();
  const go = h('button', { type: 'submit', id: 'pick-continue', class: 'primary' }, t('signin.continue'));
  // A passkey where passkeys can't be used (the app, an IP address) is listed, not chosen.
  const usable = (m) => m.kind !== 'passkey' || webauthn.available();
  const firstUsable = methods.find(usable);
  const options = methods.map((m, i) => h('label', { class: usable(m) ? 'option' : 'option unavailable' },
    h('input', { type: 'radio', name: 'method', value: m.id, checked: m === firstUsable, disabled: !usable(m), 'data-kind': m.kind, 'aria-describedby': usable(m) ? null : `unusable-${m.id}` }),
    h('span', { class: 'option-text' },
      h('strong', {}, pickLabel(m)),
      i === 0 && m.id === step.preferred_method_id ? h('span', { class: 'badge' }, t('signin.preferred')) : null,
      usable(m) ? null : h('span', { class: 'hint', id: `unusable-${m.id}` }, t('signin.passkey.not_here_short')))));
  return h('div', { class: 'narrow' },
    h('h1', {}, t('signin.pick_title')),
    signingInAs(app, step),
    h('p', {}, t('signin.pick_intro')),
    h('form', {
      class: 'card', novalidate: true,
      onsubmit: (ev) => {
        ev.preventDefault();
        const chosen = ev.currentTarget.querySelector('input[name=method]:checked');
        // Nothing usable here (passkeys only, where they can't be used): a recovery code, below.
        if (!chosen) return showError(box, { message: t('signin.passkey.not_here_only') });
        const m = methods.find((x) => x.id === chosen.value);
        if (m.kind === 'totp') return app.show(enterCode, { step, method: m }, 'verify-code');
        // Still this tap: the passkey screen starts the browser's dialog at once.
        if (m.kind === 'passkey') return app.show(usePasskey, { step, method: m, now: true }, 'verify-passkey');
        busy(go, async () => {
          try {
            const delivery = await sendCode(step, m);
            app.show(enterCode, { step, method: m, delivery }, 'verify-code');
          } catch (e) { showError(box, e); }
        });
      },
    },
      h('fieldset', {}, h('legend', { class: 'visually-hidden' }, t('signin.pick_legend')), options),
      box, go),
    // No code can come (a lost phone, a refused send): a recovery code instead.
    h('p', {}, h('a', { href: '#recovery', id: 'use-recovery', onclick: (ev) => { ev.preventDefault(); app.show(enterRecovery, { step }, 'verify-recovery'); } }, t('signin.use_recovery'))),
    lostPhoneLink(app, step),
    cancelLink(app));
}

function enterCode(app, { step, method, delivery, prefill }) {
  const code = codeInput();
  const box = errorBox('form-error', code);
  if (prefill) code.value = prefill;
  const submit = h('button', { type: 'submit', id: 'verify', class: 'primary' }, t('signin.verify'));
  const remember = rememberChoice(app, step);
  const where = h('p', { id: 'code-where' });
  const expiry = h('p', { id: 'code-expiry', class: 'hint' });
  let current = delivery;
  const describe = () => {
    if (method.kind === 'totp') {
      where.textContent = t('signin.where_totp');
    } else if (current) {
      where.textContent = t('signin.where_sent', { to: current.sent_to });
    } else {
      where.textContent = t('signin.where_unsent', { hint: method.hint });
    }
  };
  describe();

  const resend = method.kind === 'totp' ? null : h('button', { type: 'button', id: 'resend', class: 'secondary' }, t('signin.resend'));
  if (resend) {
    resend.addEventListener('click', () => busy(resend, async () => {
      clearError(box);
      try {
        current = await sendCode(step, method);
        describe();
        app.toast(t('signin.resent_toast', { to: current.sent_to }));
        code.focus();
      } catch (e) { showError(box, e); }
    }));
    countdown(app, expiry, resend, () => current);
  }

  const form = h('form', {
    class: 'card', novalidate: true,
    onsubmit: (ev) => {
      ev.preventDefault();
      if (!code.value.trim()) { showError(box, { message: t('signin.missing_code') }); code.focus(); return; }
      busy(submit, async () => {
        clearError(box);
        try {
          const body = { method_id: method.id, code: code.value };
          if (remember && remember.input.checked) body.remember = true;
          app.step(await request('POST', `/challenges/${step.challenge_id}/verify`, body));
        } catch (e) {
          code.select();
          // Locked for good by this very code: this sign-in now takes only a recovery code.
          if (e.code === 'two_step_locked') return app.show(enterRecovery, { step: lockedOn(step, e), locked: true }, 'verify-recovery');
          const lastTry = e.code === 'invalid_code' && e.attempts_left === 0;
          if (e.code === 'invalid_code' && !lastTry) {
            const left = e.attempts_left;
            // A code is good once: right after setting up an authenticator, the next one is needed.
            showError(box, { message: method.kind === 'totp' ? t('signin.wrong_totp', { count: left }) : attemptsLeft(left) });
          } else if (lastTry || e.code === 'challenge_locked' || e.code === 'challenge_expired' || e.code === 'not_found') {
            if (lastTry) e = { message: t('signin.last_try') };
            // Nothing here can work any more: one message and the one way on, nothing else.
            form.querySelectorAll('input, button').forEach((el) => { el.disabled = true; el.dataset.locked = '1'; });
            box.forInput = null;
            form.replaceChildren(box);
            screenEl.querySelectorAll('.after-form, .signing-in-as').forEach((el) => { el.hidden = true; });
            if (lastTry || e.code === 'challenge_locked') headed(screenEl, t('signin.too_many_tries'));
            showError(box, e, h('button', { type: 'button', id: 'start-over', class: 'primary', onclick: () => app.signedOut() }, t('signin.start_over')));
            box.querySelector('button').focus();
            return;
          } else {
            showError(box, e);
          }
          code.focus();
        }
      });
    },
  }, where, field(t('signin.code_label'), code), remember && remember.el, box, expiry, submit, resend);

  const fromDevice = method.kind === 'totp'
    ? h('p', {}, h('a', {
      href: '#vault', id: 'code-from-device',
      onclick: (ev) => {
        ev.preventDefault();
        const again = (prefill) => app.show(enterCode, { step, method, delivery: current, prefill }, 'verify-code');
        app.show(vault.render, { pick: again, back: () => again('') }, 'vault-pick');
      },
    }, t('signin.code_from_device')))
    : null;
  const others = step.methods.length > 1
    ? h('p', {}, h('a', { href: '#pick', id: 'other-way', onclick: (ev) => { ev.preventDefault(); app.show(pick, { step, methods: orderMethods(step.methods, step.preferred_method_id) }, 'verify-pick'); } }, t('signin.other_way')))
    : null;
  const recoveryLink = h('p', {}, h('a', {
    href: '#recovery', id: 'use-recovery',
    onclick: (ev) => { ev.preventDefault(); app.show(enterRecovery, { step, back: { method, delivery: current } }, 'verify-recovery'); },
  }, t('signin.use_recovery')));
  const after = [noCodeHelp(method, { others: !!others }), fromDevice, others, recoveryLink, lostPhoneLink(app, step), cancelLink(app)].filter(Boolean);
  after.forEach((el) => el.classList.add('after-form'));
  const screenEl = h('div', { class: 'narrow' }, h('h1', {}, t('signin.code_title')), signingInAs(app, step), form, after);
  return screenEl;
}

/** "Don't ask for a code on this device for N days", when the server offers it for this
 *  person (`remember_days` above 0: never an administrator or a shared account) and this is
 *  not a shared device, which the app never lets remember anyone. Unticked by default. */
export function rememberChoice(app, step) {
  const days = step.remember_days || 0;
  if (days <= 0 || (app.status && app.status.shared)) return null;
  const input = h('input', { type: 'checkbox', id: 'remember-device', name: 'remember', 'aria-describedby': 'remember-hint' });
  const el = h('div', { class: 'remember' },
    h('label', { class: 'check', for: 'remember-device' }, input, h('span', {}, t('signin.remember', { count: days }))),
    h('p', { class: 'hint', id: 'remember-hint' }, t('signin.remember_hint')));
  return { input, el };
}

/** A recovery code instead of a method's code; the only way on when `locked` (2-Step
 *  Verification locked for good on this account). Any case, spaces and dashes are fine. */
export function enterRecovery(app, { step, back, locked }) {
  const code = h('input', {
    id: 'recovery-code', name: 'recovery-code', type: 'text', autocomplete: 'off', spellcheck: 'false',
    autocapitalize: 'characters', maxlength: '24', class: 'code recovery', required: true, autofocus: true,
  });
  const form = standInForm(app, step, {
    input: code, submitId: 'recover', path: 'recover', body: (v) => ({ recovery_code: v }),
    missing: 'signin.recovery_missing', wrong: 'signin.recovery_wrong', label: 'signin.recovery_label', hint: 'signin.recovery_hint',
  });
  const toCode = back
    ? h('p', {}, h('a', { href: '#code', id: 'back-to-code', onclick: (ev) => { ev.preventDefault(); app.show(enterCode, { step, method: back.method, delivery: back.delivery }, 'verify-code'); } }, t('signin.back_to_code')))
    : null;
  return h('div', { class: 'narrow' },
    h('h1', {}, locked ? t('signin.locked_title') : t('signin.recovery_title')),
    signingInAs(app, step),
    h('p', { id: 'recovery-intro' }, locked ? t('signin.locked_intro') : t('signin.recovery_intro')),
    form, toCode, cancelLink(app));
}

/** Whose code this is: the address just typed, and the way back to type another (on a shared
 *  tablet, the last person's name would be a stranger's). */
/** The form of a code that stands in for a method (a recovery code, a one-day pass): sent to
 *  `POST /challenges/{id}/{path}`; a wrong one says how many tries are left; once nothing here
 *  can work any more (no tries left, locked, expired), one message and "Start over". */
export function standInForm(app, step, { input, submitId, path, body, missing, wrong, label, hint }) {
  const box = errorBox('form-error', input);
  const submit = h('button', { type: 'submit', id: submitId, class: 'primary' }, t('signin.verify'));
  const form = h('form', {
    class: 'card', novalidate: true,
    onsubmit: (ev) => {
      ev.preventDefault();
      if (!input.value.trim()) { showError(box, { message: t(missing) }); input.focus(); return; }
      busy(submit, async () => {
        clearError(box);
        try {
          app.step(await request('POST', `/challenges/${step.challenge_id}/${path}`, body(input.value)));
        } catch (e) {
          if (e.code === 'invalid_code' && e.attempts_left > 0) {
            showError(box, { message: t(wrong, { count: e.attempts_left }) });
            input.select();
            input.focus();
            return;
          }
          const over = e.code === 'invalid_code' || ['challenge_locked', 'challenge_expired', 'not_found'].includes(e.code);
          if (!over) { showError(box, e); input.focus(); return; }
          // Nothing here can work any more: one message and the one way on.
          if (e.code === 'invalid_code' || e.code === 'challenge_locked') headed(form.parentElement, t('signin.too_many_tries'));
          if (e.code === 'invalid_code') e = { message: t('signin.last_try') };
          box.forInput = null;
          form.replaceChildren(box);
          showError(box, e, h('button', { type: 'button', id: 'start-over', class: 'primary', onclick: () => app.signedOut() }, t('signin.start_over')));
          box.querySelector('button').focus();
        }
      });
    },
  }, field(t(label), input, t(hint)), box, submit);
  return form;
}

export function signingInAs(app, step) {
  if (!step || !step.email) return null;
  return h('p', { class: 'signing-in-as', id: 'signing-in-as' },
    t('signin.signing_in_as'), ' ', h('strong', {}, step.email), ' · ',
    h('a', { href: '#sign-in', id: 'change-account', onclick: (ev) => { ev.preventDefault(); app.show(render, { email: step.email }, 'sign-in'); } }, t('signin.change_account')));
}

/** A screen whose sign-in can go no further says so in its heading (and the window's title),
 *  where a screen reader and a glance look first. */
export function headed(screenEl, text) {
  const h1 = screenEl && screenEl.querySelector('h1');
  if (!h1) return;
  h1.textContent = text;
  document.title = `${text} · ${t('signin.brand')}`;
}

/** "Send code" / "Send new code" on the sign-in's challenge. */
function sendCode(step, method) {
  return request('POST', `/challenges/${step.challenge_id}/send`, { method_id: method.id });
}

/** The sign-in after a code locked 2-Step Verification for good: the 423 names the challenge
 *  a recovery code answers now (a new one when the locking code used this one up). */
function lockedOn(step, e) {
  return { ...step, challenge_id: e.challenge_id || step.challenge_id };
}

/** A server's host (and port), as the address bar would show it. */
function hostOf(url) {
  try { return new URL(url).host; } catch (e) { return url; }
}

export function cancelLink(app) {
  return h('p', {}, h('a', { href: '#sign-in', class: 'quiet', onclick: (ev) => { ev.preventDefault(); app.signedOut(); } }, t('signin.cancel')));
}

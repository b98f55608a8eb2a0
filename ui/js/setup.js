// Setting up a method: at the first sign-ins (with the setup token) and later from the
// 2-Step Verification page. Choose a kind, prove it works with a code, done.

import { call } from './api.js';
import { request, meOf, inApp } from './transport.js';
import { h, field, errorBox, showError, clearError, busy, kindLabel, methodLabel, errorText } from './dom.js';
import { t } from './i18n.js';
import { codeInput, countdown, attemptsLeft, noCodeHelp } from './code.js';
import * as methods from './methods.js';
import * as recovery from './recovery.js';
import { fresh } from './reauth.js';
import * as webauthn from './webauthn.js';

/** What each kind is for (setup.about.device, .totp, .passkey, .email, .sms). */
const about = (kind) => t(`setup.about.${kind}`);

/** "Set up 2-Step Verification now" (or required, with no way around it but signing out). */
export function intro(app, step) {
  const box = errorBox();
  const flow = { mode: 'signin', allowed: step.allowed_kinds, email: step.email_prefill, required: step.required };
  const now = h('button', { type: 'button', id: 'setup-now', class: 'primary', autofocus: true, onclick: () => app.show(choose, flow, 'setup-choose') }, t('setup.setup_now'));
  const skip = step.required ? null : h('button', {
    type: 'button', id: 'skip-setup', class: 'secondary',
    onclick: (ev) => busy(ev.currentTarget, async () => {
      try { app.step(await request('POST', '/login/skip-setup')); } catch (e) { showError(box, e); }
    }),
  }, t('setup.skip'));
  return h('div', { class: 'narrow' },
    h('h1', {}, t('setup.intro_title')),
    step.required
      ? h('div', { class: 'card required', id: 'setup-required' },
          h('p', {}, h('strong', {}, t('setup.required_title'))),
          // Only a passkey meets the center's floor for this person's role: no code to receive.
          (step.allowed_kinds || []).join() === 'passkey'
            ? h('p', { id: 'passkey-required' }, t('setup.passkey_required'))
            : h('p', {}, t('setup.required_body')),
          h('p', { id: 'why-required' }, t('setup.why_required')))
      : h('div', { class: 'card' },
          h('p', {}, t('setup.intro_body')),
          h('p', { class: 'hint' }, t('setup.intro_skip_hint'))),
    box,
    h('div', { class: 'actions' }, now, skip),
    step.required ? h('p', {}, h('a', { href: '#sign-out', id: 'setup-sign-out', onclick: (ev) => { ev.preventDefault(); app.signOut(); } }, t('setup.sign_out'))) : null);
}

/** A shared classroom device: a passkey made here would stay on it for anyone to use. */
const sharedHere = (app) => inApp && !!(app.status && app.status.shared);

/** Choose among the kinds the center allows. */
export function choose(app, flow) {
  // A passkey where this browser can make one (the app: in the system browser).
  const kinds = ['totp', 'passkey', 'email', 'sms']
    .filter((k) => (flow.allowed || []).includes(k))
    .filter((k) => k !== 'passkey' || (webauthn.available() && !flow.replacing && !sharedHere(app)));
  // This device as the authenticator: the app's vault, which a browser has no keyring for.
  if (inApp && kinds.includes('totp') && !flow.replacing) kinds.splice(1, 0, 'device');
  // The center asks for a passkey, and none can be made here: not on the app's shared device,
  // nor in a browser at an address that is a number.
  if (!kinds.length) {
    return h('div', { class: 'narrow' },
      h('h1', {}, t('setup.choose_title')),
      h('p', { class: 'notice warning', id: 'passkey-elsewhere' }, inApp ? t('setup.passkey_elsewhere') : t('setup.passkey_not_here')),
      back(app, flow));
  }
  const box = errorBox();
  const go = h('button', { type: 'submit', id: 'choose-continue', class: 'primary' }, t('setup.continue'));
  return h('div', { class: 'narrow' },
    h('h1', {}, flow.replacing ? t(flow.replacing.kind === 'sms' ? 'setup.replace_title_sms' : 'setup.replace_title_email') : t('setup.choose_title')),
    h('form', {
      class: 'card', novalidate: true,
      onsubmit: (ev) => {
        ev.preventDefault();
        const k = ev.currentTarget.querySelector('input[name=kind]:checked').value;
        if (k === 'device') return app.show(device, flow, 'setup-device');
        if (k === 'passkey') return app.show(passkey, flow, 'setup-passkey');
        if (k === 'totp') {
          busy(go, async () => {
            try {
              const e = await fresh(app, () => startMethod({ kind: 'totp' }));
              app.show(totp, { ...flow, enrollment: e }, 'setup-totp');
            } catch (e) { if (!e.handled) showError(box, e); }
          });
        } else {
          app.show(address, { ...flow, kind: k }, `setup-${k}`);
        }
      },
    },
      h('fieldset', {}, h('legend', { class: 'visually-hidden' }, t('setup.methods_legend')),
        kinds.map((k, i) => h('label', { class: 'option' },
          h('input', { type: 'radio', name: 'kind', value: k, id: `kind-${k}`, checked: flow.replacing ? k === flow.replacing.kind : i === 0 }),
          h('span', { class: 'option-text' }, h('strong', {}, k === 'device' ? t('setup.device_option') : kindLabel(k), k === 'totp' ? h('span', { class: 'badge' }, t('setup.recommended')) : null), h('span', { class: 'hint' }, about(k)))))),
      box, go),
    flow.required ? h('p', { class: 'hint', id: 'why-required' }, t('setup.why_required')) : null,
    back(app, flow));
}

/** The QR code, the key to type by hand, then the code the app shows. */
function totp(app, flow) {
  const e = flow.enrollment;
  // The key in groups of four that never break inside a group (spaces between them may).
  const groups = e.secret.match(/.{1,4}/g) || [];
  const key = h('code', { id: 'totp-secret', class: 'secret' }, groups.flatMap((g, i) => [i ? ' ' : null, h('span', { class: 'group' }, g)]));
  const copy = h('button', {
    type: 'button', id: 'copy-key', class: 'secondary',
    onclick: (ev) => busy(ev.currentTarget, async () => {
      try {
        // The app copies and clears it again; a browser's clipboard is the page's to write.
        if (inApp) await call('copy_setup_key', { key: e.secret });
        else await navigator.clipboard.writeText(e.secret);
        app.toast(t('setup.key_copied'));
      } catch (err) { app.toast(errorText(err)); }
    }),
  }, t('setup.copy_key'));
  // In the app: shown once the device says an app opens otpauth:// links. In a browser: a
  // plain link, which a phone or tablet hands to its installed authenticator (a computer
  // with a mouse has none to hand it to).
  const open = inApp
    ? h('button', {
      type: 'button', id: 'open-in-app', class: 'primary', hidden: true,
      onclick: (ev) => busy(ev.currentTarget, async () => {
        try { await call('open_in_authenticator_app', { uri: e.otpauth_uri }); } catch (err) { app.toast(errorText(err)); }
      }),
    }, t('setup.open_in_app'))
    : h('a', { id: 'open-in-app', class: 'button primary', href: e.otpauth_uri, hidden: !window.matchMedia('(pointer: coarse)').matches }, t('setup.open_in_app'));
  if (inApp) call('authenticator_app_available').then((yes) => { open.hidden = !yes; }).catch(() => {});
  return h('div', { class: 'narrow wide-ok' },
    h('h1', {}, t('setup.totp_title')),
    h('ol', { class: 'steps card' },
      h('li', {}, t('setup.totp_step_open')),
      // On a phone the key comes first (a phone can't scan its own screen) and the QR code
      // folds behind "Show QR code" (for another device's app), so Confirm stays in view.
      h('li', {}, h('p', { class: 'step-lead' }, t('setup.totp_step_add')), h('div', { class: 'scan-or-key' },
        h('button', {
          type: 'button', id: 'show-qr', class: 'ghost phone-only', 'aria-expanded': 'false',
          onclick: (ev) => { ev.currentTarget.closest('.scan-or-key').classList.add('qr-open'); ev.currentTarget.setAttribute('aria-expanded', 'true'); ev.currentTarget.hidden = true; },
        }, t('setup.show_qr')),
        h('p', { class: 'scan-lead' }, t('setup.totp_step_scan')),
        h('img', { class: 'qr', id: 'totp-qr', src: e.qr, alt: t('setup.qr_alt'), width: '220', height: '220' }),
        h('div', { class: 'key-block' },
          open,
          h('p', {}, t('setup.key_lead')),
          h('p', {}, t('setup.key_label'), key),
          copy,
          h('p', { class: 'hint' }, t('setup.totp_params'))))),
      h('li', {}, t('setup.totp_step_enter'))),
    confirmForm(app, flow, null),
    noCodeHelp({ kind: 'totp' }, { setup: true }),
    back(app, flow));
}

/** "Use this device as the authenticator": the secret goes into this app's vault, behind an
 *  optional PIN, and the app confirms the method with the code it makes. */
function device(app, flow) {
  const box = errorBox();
  const pin = h('input', { type: 'password', inputmode: 'numeric', id: 'device-pin', autocomplete: 'new-password', maxlength: '12', autofocus: true });
  const go = h('button', { type: 'submit', id: 'device-setup', class: 'primary' }, t('setup.device_submit'));
  return h('div', { class: 'narrow' },
    h('h1', {}, t('setup.device_title')),
    h('form', {
      class: 'card', novalidate: true,
      onsubmit: (ev) => {
        ev.preventDefault();
        busy(go, async () => {
          clearError(box);
          try {
            const done = await fresh(app, () => call('use_device_as_authenticator', { pin: pin.value || null }));
            confirmed(app, flow, done);
          } catch (e) { if (!e.handled) { showError(box, e); pin.focus(); } }
        });
      },
    },
      h('p', {}, t('setup.device_body')),
      field(t('setup.pin_label'), pin, t('setup.pin_hint')),
      box, go),
    back(app, flow));
}

/** "Add a passkey": what one is, an optional name, then the browser's own dialog (Face ID, a
 *  fingerprint, the screen lock, a security key). Each try is a new ceremony: one the browser
 *  or the server refused can't be answered again. */
function passkey(app, flow) {
  const name = h('input', { type: 'text', id: 'passkey-name', maxlength: '64', autocomplete: 'off', autocapitalize: 'sentences', placeholder: t('setup.passkey_name_placeholder') });
  const nameBox = errorBox('passkey-name-error', name);
  const box = errorBox();
  const go = h('button', { type: 'submit', id: 'create-passkey', class: 'primary' }, t('setup.passkey_create'));
  return h('div', { class: 'narrow' },
    h('h1', {}, t('setup.passkey_title')),
    h('form', {
      class: 'card', novalidate: true,
      onsubmit: (ev) => {
        ev.preventDefault();
        busy(go, async () => {
          clearError(box);
          clearError(nameBox);
          try {
            const e = await fresh(app, () => startMethod({ kind: 'passkey', name: name.value.trim() || null }));
            const credential = await webauthn.create(e.options);
            confirmed(app, flow, await fresh(app, () => confirmMethod(e, { credential })));
          } catch (err) {
            if (err.handled || err.aborted) return;
            if (err.code === 'invalid_passkey_name') { showError(nameBox, err); name.focus(); return; }
            // The browser's refusals and the server's, each with what to do next.
            showError(box, PASSKEY_TROUBLE.includes(err.code) ? { message: t(`setup.passkey_trouble.${err.code}`) } : err);
            go.focus();
          }
        });
      },
    },
      h('p', { id: 'passkey-about' }, t('setup.passkey_about')),
      h('p', { class: 'hint', id: 'passkey-phishing' }, t('setup.passkey_phishing')),
      field(t('setup.passkey_name_label'), name, t('setup.passkey_name_hint')),
      // The app makes its passkeys in the system browser (webauthn.js).
      inApp ? h('p', { class: 'hint', id: 'passkey-browser-hint' }, t('common.passkey_in_browser')) : null,
      box, go),
    back(app, flow));
}

/** What went wrong adding a passkey that setup words itself (setup.passkey_trouble.*). */
const PASSKEY_TROUBLE = ['passkey_cancelled', 'passkey_exists', 'passkey_failed', 'enrollment_expired', 'already_added'];

/** Email address (prefilled with the sign-in email) or phone number, then "Send code". */
function address(app, flow) {
  const box = errorBox();
  const isEmail = flow.kind === 'email';
  const input = isEmail
    ? h('input', { type: 'email', id: 'new-email', autocomplete: 'email', required: true, autocapitalize: 'none', spellcheck: 'false', value: flow.typed || (flow.replacing ? '' : (flow.email || '')), autofocus: true })
    : h('input', { type: 'tel', id: 'new-phone', autocomplete: 'tel', required: true, value: flow.typed || '', autofocus: true });
  const send = h('button', { type: 'submit', id: 'send-setup-code', class: 'primary' }, t('setup.send_code'));
  return h('div', { class: 'narrow' },
    h('h1', {}, isEmail ? t('setup.verify_email_title') : t('setup.verify_phone_title')),
    h('form', {
      class: 'card', novalidate: true,
      onsubmit: (ev) => {
        ev.preventDefault();
        busy(send, async () => {
          clearError(box);
          const request = isEmail ? { kind: 'email', email: input.value.trim() || null } : { kind: 'sms', phone: input.value };
          try {
            const enrollment = await fresh(app, () => startMethod(request));
            app.show(codeStep, { ...flow, enrollment, typed: input.value.trim() }, `setup-${flow.kind}-code`);
          } catch (e) {
            if (e.handled) return;
            showError(box, e);
            input.focus();
          }
        });
      },
    },
      isEmail
        ? field(t('setup.email_label'), input, t('setup.email_hint'))
        : field(t('setup.phone_label'), input, t('setup.phone_hint')),
      box, send),
    back(app, flow));
}

/** "We sent a code to …": the code, with "Send new code" and its cooldown. */
function codeStep(app, flow) {
  const e = flow.enrollment;
  let current = e;
  // The whole address just typed (a slip shows at once), and the way back to correct it.
  const where = h('p', { id: 'code-where' }, t('setup.code_sent_to', { to: flow.typed || e.sent_to }), ' ',
    h('a', { href: '#change', id: 'change-address', onclick: (ev) => { ev.preventDefault(); app.show(address, flow, `setup-${flow.kind}`); } }, t('signin.change_account')));
  const expiry = h('p', { class: 'hint', id: 'code-expiry' });
  const box = errorBox('resend-error');
  const resend = h('button', {
    type: 'button', id: 'resend', class: 'secondary',
    onclick: (ev) => busy(ev.currentTarget, async () => {
      clearError(box);
      try {
        current = await app.guard(request('POST', `/me/enrollments/${e.enrollment_id}/resend`));
        app.toast(t('setup.new_code_sent', { to: current.sent_to }));
      } catch (err) { if (!err.handled) showError(box, err); }
    }),
  }, t('setup.resend'));
  countdown(app, expiry, resend, () => current);
  return h('div', { class: 'narrow' },
    h('h1', {}, t('setup.code_title')),
    where,
    confirmForm(app, flow, h('div', {}, expiry, box, resend)),
    noCodeHelp({ kind: flow.kind, hint: e.sent_to }, { setup: true }),
    back(app, flow));
}

function confirmForm(app, flow, extra) {
  const code = codeInput('setup-code');
  const box = errorBox('form-error', code);
  const submit = h('button', { type: 'submit', id: 'confirm-method', class: 'primary' }, t('setup.confirm'));
  return h('form', {
    class: 'card', novalidate: true,
    onsubmit: (ev) => {
      ev.preventDefault();
      if (!code.value.trim()) { showError(box, { message: t('setup.code_missing') }); code.focus(); return; }
      busy(submit, async () => {
        clearError(box);
        try {
          const done = await fresh(app, () => confirmMethod(flow.enrollment, { code: code.value }));
          confirmed(app, flow, done);
        } catch (e) {
          if (e.handled) return;
          if (e.code === 'invalid_code' && e.attempts_left === 0) {
            // This setup is locked: the way back is starting the method again.
            showError(box, { message: t('setup.last_try') },
              h('button', { type: 'button', class: 'primary', id: 'setup-start-over', onclick: () => app.show(choose, flow, flow.mode === 'signin' ? 'setup-choose' : 'add-method') }, t('setup.start_again')));
            return;
          }
          showError(box, e.code === 'invalid_code'
            ? { message: attemptsLeft(e.attempts_left) }
            : e);
          code.select();
          code.focus();
        }
      });
    },
  }, field(t('setup.code_label'), code), box, submit, extra);
}

/** Starts adding a method: the API's enrollment, with an authenticator's QR code as an image
 *  the strict CSP allows (a `data:` URI). */
async function startMethod(body) {
  const e = await request('POST', '/me/methods', body);
  if (e && e.qr_svg) e.qr = `data:image/svg+xml;base64,${btoa(e.qr_svg)}`;
  return e;
}

/** The code (`{code}`) or new passkey (`{credential}`) that proves the new method works.
 *  During setup this also finishes the sign-in: the answer then names the person (the shell
 *  kept the session). */
async function confirmMethod(enrollment, proof) {
  const done = await request('POST', `/me/enrollments/${enrollment.enrollment_id}/confirm`, proof);
  return done.person ? { ...done, me: meOf(done) } : done;
}

/** A method was confirmed: its recovery codes first when it is the first one (saved before
 *  anything else), then "added". */
function confirmed(app, flow, done) {
  if (done.me) app.me = done.me;
  if (app.me) app.me.recovered = false;
  const shown = () => app.show(added, { ...flow, done }, 'setup-done');
  if (done.recovery_codes) return app.show(recovery.save, { codes: done.recovery_codes, next: shown }, 'recovery-codes');
  shown();
}

/** "Verification method added. A confirmation email is on its way." */
function added(app, flow) {
  const done = flow.done;
  if (done.me) app.me = done.me;
  const next = () => {
    if (done.me && flow.mode === 'signin') return app.signedIn(done.me);
    app.show(methods.render, { replacing: flow.replacing, added: done.method }, 'methods');
  };
  return h('div', { class: 'narrow' },
    h('h1', {}, t('setup.added_title')),
    h('div', { class: 'card success', id: 'added' },
      h('p', {}, methodLabel(done.method)),
      h('p', {}, t('setup.confirmation_email')),
      flow.replacing ? h('p', {}, t('setup.delete_old_next', { hint: flow.replacing.hint })) : null),
    // The first method: a nudge toward a second, as the help page advises.
    flow.mode === 'signin' ? h('p', { class: 'notice', id: 'add-another' }, t('setup.add_another')) : null,
    h('button', { type: 'button', id: 'added-continue', class: 'primary', autofocus: true, onclick: next }, done.me && flow.mode === 'signin' ? t('setup.continue_to_app') : t('setup.done')));
}

function back(app, flow) {
  if (flow.mode === 'signin') {
    return h('p', {}, h('a', { href: '#sign-in', class: 'quiet', onclick: (ev) => { ev.preventDefault(); app.signOut(); } }, t('setup.cancel_sign_out')));
  }
  return h('p', {}, h('a', { href: '#methods', class: 'quiet', onclick: (ev) => { ev.preventDefault(); app.show(methods.render, {}, 'methods'); } }, t('setup.cancel')));
}

// Setting up a method: at the first sign-ins (with the setup token) and later from the
// 2-Step Verification page. Choose a kind, prove it works with a code, done.

import { call } from './api.js';
import { h, field, errorBox, showError, clearError, busy, KIND_LABEL } from './dom.js';
import { codeInput, countdown, attemptsLeft } from './code.js';
import * as methods from './methods.js';

const ABOUT = {
  device: 'For a shared classroom tablet: the codes stay in this app, behind your PIN. No QR code is shown on the screen.',
  totp: 'Get codes from an app such as Google Authenticator or Microsoft Authenticator, even without a signal.',
  email: 'We email you a code each time you sign in.',
  sms: 'We text a code to your mobile phone each time you sign in.',
};

/** "Set up 2-Step Verification now" (or required, with no way around it but signing out). */
export function intro(app, step) {
  const box = errorBox();
  const flow = { mode: 'signin', allowed: step.allowed_kinds, email: step.email_prefill };
  const now = h('button', { type: 'button', id: 'setup-now', class: 'primary', autofocus: true, onclick: () => app.show(choose, flow, 'setup-choose') }, 'Set up 2-Step Verification now');
  const skip = step.required ? null : h('button', {
    type: 'button', id: 'skip-setup', class: 'secondary',
    onclick: (ev) => busy(ev.currentTarget, async () => {
      try { app.step(await call('skip_setup')); } catch (e) { showError(box, e); }
    }),
  }, 'Skip for now');
  return h('div', { class: 'narrow' },
    h('h1', {}, 'Set up 2-Step Verification'),
    step.required
      ? h('div', { class: 'card required', id: 'setup-required' },
          h('p', {}, h('strong', {}, 'Your center requires 2-Step Verification for staff.')),
          h('p', {}, 'You can\'t continue until you add a way to receive sign-in codes. It takes about a minute.'))
      : h('div', { class: 'card' },
          h('p', {}, '2-Step Verification protects your account: after your password, you enter a code from your phone, email or authenticator app.'),
          h('p', { class: 'hint' }, 'You can skip this once. The next time you sign in, you\'ll need to set it up.')),
    box,
    h('div', { class: 'actions' }, now, skip),
    step.required ? h('p', {}, h('a', { href: '#sign-out', id: 'setup-sign-out', onclick: (ev) => { ev.preventDefault(); app.signOut(); } }, 'Sign out')) : null);
}

/** Choose among the kinds the center allows. */
export function choose(app, flow) {
  const kinds = ['totp', 'email', 'sms'].filter((k) => (flow.allowed || []).includes(k));
  if (kinds.includes('totp') && !flow.replacing) kinds.splice(1, 0, 'device');
  const box = errorBox();
  const go = h('button', { type: 'submit', id: 'choose-continue', class: 'primary' }, 'Continue');
  return h('div', { class: 'narrow' },
    h('h1', {}, flow.replacing ? `Add the new ${flow.replacing.kind === 'sms' ? 'phone number' : 'email address'}` : 'Choose a verification method'),
    h('form', {
      class: 'card', novalidate: true,
      onsubmit: (ev) => {
        ev.preventDefault();
        const k = ev.currentTarget.querySelector('input[name=kind]:checked').value;
        if (k === 'device') return app.show(device, flow, 'setup-device');
        if (k === 'totp') {
          busy(go, async () => {
            try {
              const e = await app.guard(call('start_method', { request: { kind: 'totp' } }));
              app.show(totp, { ...flow, enrollment: e }, 'setup-totp');
            } catch (e) { if (!e.handled) showError(box, e); }
          });
        } else {
          app.show(address, { ...flow, kind: k }, `setup-${k}`);
        }
      },
    },
      h('fieldset', {}, h('legend', { class: 'visually-hidden' }, 'Methods'),
        kinds.map((k, i) => h('label', { class: 'option' },
          h('input', { type: 'radio', name: 'kind', value: k, id: `kind-${k}`, checked: flow.replacing ? k === flow.replacing.kind : i === 0 }),
          h('span', { class: 'option-text' }, h('strong', {}, k === 'device' ? 'Use this device as the authenticator' : KIND_LABEL[k], k === 'totp' ? h('span', { class: 'badge' }, 'Recommended') : null), h('span', { class: 'hint' }, ABOUT[k]))))),
      box, go),
    back(app, flow));
}

/** The QR code, the key to type by hand, then the code the app shows. */
function totp(app, flow) {
  const e = flow.enrollment;
  const grouped = e.secret.replace(/(.{4})/g, '$1 ').trim();
  return h('div', { class: 'narrow wide-ok' },
    h('h1', {}, 'Set up your authenticator app'),
    h('ol', { class: 'steps card' },
      h('li', {}, 'Open your authenticator app and add an account.'),
      h('li', {}, 'Scan this QR code:',
        h('img', { class: 'qr', id: 'totp-qr', src: e.qr, alt: 'QR code to add Twostep to your authenticator app', width: '220', height: '220' }),
        h('details', {},
          h('summary', {}, 'Can\'t scan it? Enter the key by hand'),
          h('p', {}, 'Key: ', h('code', { id: 'totp-secret', class: 'secret' }, grouped)),
          h('p', { class: 'hint' }, 'Time-based, 6 digits, every 30 seconds.'))),
      h('li', {}, 'Enter the 6-digit code the app shows.')),
    confirmForm(app, flow, null),
    back(app, flow));
}

/** "Use this device as the authenticator": the secret goes into this app's vault, behind an
 *  optional PIN, and the app confirms the method with the code it makes. */
function device(app, flow) {
  const box = errorBox();
  const pin = h('input', { type: 'password', inputmode: 'numeric', id: 'device-pin', autocomplete: 'new-password', maxlength: '12', autofocus: true });
  const go = h('button', { type: 'submit', id: 'device-setup', class: 'primary' }, 'Set up on this device');
  return h('div', { class: 'narrow' },
    h('h1', {}, 'Use this device as the authenticator'),
    h('form', {
      class: 'card', novalidate: true,
      onsubmit: (ev) => {
        ev.preventDefault();
        busy(go, async () => {
          clearError(box);
          try {
            const done = await app.guard(call('use_device_as_authenticator', { pin: pin.value || null }));
            app.show(added, { ...flow, done }, 'setup-done');
          } catch (e) { if (!e.handled) { showError(box, e); pin.focus(); } }
        });
      },
    },
      h('p', {}, 'Your codes will be in this app\'s Authenticator. On a shared classroom device, choose a PIN so only you can see them.'),
      field('PIN (4 to 12 digits, recommended)', pin, 'You\'ll enter it each time you need a code.'),
      box, go),
    back(app, flow));
}

/** Email address (prefilled with the sign-in email) or phone number, then "Send code". */
function address(app, flow) {
  const box = errorBox();
  const isEmail = flow.kind === 'email';
  const input = isEmail
    ? h('input', { type: 'email', id: 'new-email', autocomplete: 'email', required: true, autocapitalize: 'none', spellcheck: 'false', value: flow.replacing ? '' : (flow.email || ''), autofocus: true })
    : h('input', { type: 'tel', id: 'new-phone', autocomplete: 'tel', required: true, placeholder: '+1 555 010 1234', autofocus: true });
  const send = h('button', { type: 'submit', id: 'send-setup-code', class: 'primary' }, 'Send code');
  return h('div', { class: 'narrow' },
    h('h1', {}, isEmail ? 'Verify an email address' : 'Verify a mobile number'),
    h('form', {
      class: 'card', novalidate: true,
      onsubmit: (ev) => {
        ev.preventDefault();
        busy(send, async () => {
          clearError(box);
          const request = isEmail ? { kind: 'email', email: input.value.trim() || null } : { kind: 'sms', phone: input.value };
          try {
            const enrollment = await app.guard(call('start_method', { request }));
            app.show(codeStep, { ...flow, enrollment }, `setup-${flow.kind}-code`);
          } catch (e) {
            if (e.handled) return;
            showError(box, e);
            input.focus();
          }
        });
      },
    },
      isEmail
        ? field('Email address', input, 'Use a personal or work email address, not a generic one: generic addresses belong to shared classroom devices and accounts.')
        : field('Mobile number', input, 'Include the country code if you are outside the US, like +44 7700 900123.'),
      box, send),
    back(app, flow));
}

/** "We sent a code to …": the code, with "Send new code" and its cooldown. */
function codeStep(app, flow) {
  const e = flow.enrollment;
  let current = e;
  const where = h('p', { id: 'code-where' }, `We sent a code to ${e.sent_to}.`);
  const expiry = h('p', { class: 'hint', id: 'code-expiry' });
  const box = errorBox('resend-error');
  const resend = h('button', {
    type: 'button', id: 'resend', class: 'secondary',
    onclick: (ev) => busy(ev.currentTarget, async () => {
      clearError(box);
      try {
        current = await app.guard(call('resend_method_code', { enrollmentId: e.enrollment_id }));
        app.toast(`New code sent to ${current.sent_to}. Earlier codes still work.`);
      } catch (err) { if (!err.handled) showError(box, err); }
    }),
  }, 'Send new code');
  countdown(app, expiry, resend, () => current);
  return h('div', { class: 'narrow' },
    h('h1', {}, 'Enter the code'),
    where,
    confirmForm(app, flow, h('div', {}, expiry, box, resend)),
    back(app, flow));
}

function confirmForm(app, flow, extra) {
  const box = errorBox();
  const code = codeInput('setup-code');
  const submit = h('button', { type: 'submit', id: 'confirm-method', class: 'primary' }, 'Confirm');
  return h('form', {
    class: 'card', novalidate: true,
    onsubmit: (ev) => {
      ev.preventDefault();
      if (!code.value.trim()) { showError(box, { message: 'Enter the code.' }); code.focus(); return; }
      busy(submit, async () => {
        clearError(box);
        try {
          const done = await app.guard(call('confirm_method', { enrollmentId: flow.enrollment.enrollment_id, code: code.value }));
          app.show(added, { ...flow, done }, 'setup-done');
        } catch (e) {
          if (e.handled) return;
          if (e.code === 'invalid_code' && e.attempts_left === 0) {
            // This setup is locked: the way back is starting the method again.
            showError(box, { message: 'That code isn\'t right, and that was the last try. Start again to get a new code.' },
              h('button', { type: 'button', class: 'primary', id: 'setup-start-over', onclick: () => app.show(choose, flow, flow.mode === 'signin' ? 'setup-choose' : 'add-method') }, 'Start again'));
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
  }, field('Code', code), box, submit, extra);
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
    h('h1', {}, 'Verification method added'),
    h('div', { class: 'card success', id: 'added' },
      h('p', {}, `${KIND_LABEL[done.method.kind]}: ${done.method.hint}`),
      h('p', {}, 'A confirmation email is on its way.'),
      flow.replacing ? h('p', {}, `Next, delete the old one (${flow.replacing.hint}).`) : null),
    h('button', { type: 'button', id: 'added-continue', class: 'primary', autofocus: true, onclick: next }, done.me && flow.mode === 'signin' ? 'Continue to Twostep' : 'Done'));
}

function back(app, flow) {
  if (flow.mode === 'signin') {
    return h('p', {}, h('a', { href: '#sign-in', class: 'quiet', onclick: (ev) => { ev.preventDefault(); app.signOut(); } }, 'Cancel and sign out'));
  }
  return h('p', {}, h('a', { href: '#methods', class: 'quiet', onclick: (ev) => { ev.preventDefault(); app.show(methods.render, {}, 'methods'); } }, 'Cancel'));
}

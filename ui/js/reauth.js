// "Confirm it's you": a change to 2-Step Verification or the password on a session whose
// sign-in is not recent answers `reauth_required`. A dialog over the screen asks for the
// password, then a code (or a recovery code); the new session replaces the old one, and the
// change is made again, so nothing typed on the screen below is lost.

import { request, meOf, inApp } from './transport.js';
import { t } from './i18n.js';
import { h, fill, field, errorBox, showError, clearError, busy, errorText, methodLabel } from './dom.js';
import { codeInput } from './code.js';
import * as webauthn from './webauthn.js';

/** Runs `action()` (a command call); when it needs a fresh sign-in, confirms it's the person
 *  and runs it once more. A person who cancels gets an error marked `handled`. */
export async function fresh(app, action) {
  try {
    return await app.guard(action());
  } catch (e) {
    if (e.code !== 'reauth_required') throw e;
    if (!(await confirmItsYou(app))) throw { ...e, handled: true };
    return app.guard(action());
  }
}

/** The dialog: resolves true once the fresh sign-in passed, false when cancelled. */
export function confirmItsYou(app) {
  return new Promise((resolve) => {
    const opener = document.activeElement;
    const dialog = h('dialog', { id: 'reauth', class: 'dialog', 'aria-labelledby': 'reauth-title' });
    const close = (ok) => {
      dialog.close();
      dialog.remove();
      if (opener && opener.focus) opener.focus();
      resolve(ok);
    };
    dialog.addEventListener('cancel', (ev) => { ev.preventDefault(); close(false); });
    const cancel = () => h('button', { type: 'button', class: 'ghost', id: 'reauth-cancel', onclick: () => close(false) }, t('reauth.cancel'));
    // The new session replaced the old one (in the shell); the profile shown stays.
    const passed = (step) => {
      if (step.next === 'done') {
        const me = meOf(step);
        app.me = { ...me, profile: (app.me && app.me.profile) || me.profile, recovered: me.recovered || !!(app.me && app.me.recovered) };
        close(true);
        return true;
      }
      return false;
    };

    function passwordStep(notice) {
      const password = h('input', { type: 'password', id: 'reauth-password', name: 'password', autocomplete: 'current-password', required: true, autofocus: true });
      const box = errorBox('reauth-error', password);
      const go = h('button', { type: 'submit', id: 'reauth-continue', class: 'primary' }, t('reauth.continue'));
      fill(dialog,
        h('h2', { id: 'reauth-title' }, t('reauth.title')),
        h('p', {}, t('reauth.intro')),
        notice ? h('p', { class: 'notice', id: 'reauth-notice', role: 'status' }, notice) : null,
        h('form', {
          novalidate: true,
          onsubmit: (ev) => {
            ev.preventDefault();
            if (!password.value) { showError(box, { message: t('reauth.password_missing') }); password.focus(); return; }
            busy(go, async () => {
              clearError(box);
              try {
                const step = await app.guard(request('POST', '/me/reauth', { password: password.value }));
                password.value = '';
                if (!passed(step)) codeStep(step);
              } catch (e) {
                if (e.handled) return close(false);
                // Locked for good: a recovery code is the only way on, on the challenge the 423 names.
                if (e.code === 'two_step_locked' && e.challenge_id) { password.value = ''; return codeStep({ challenge_id: e.challenge_id, methods: [] }); }
                showError(box, e);
                password.select();
                password.focus();
              }
            });
          },
        }, field(t('reauth.password_label'), password), box, h('div', { class: 'actions' }, go, cancel())));
      password.focus();
    }

    function codeStep(step) {
      const methods = [...step.methods].sort((a, b) => (b.id === step.preferred_method_id) - (a.id === step.preferred_method_id));
      // A passkey where passkeys can't be used (the app) is listed, but another is chosen first.
      const usable = (m) => m.kind !== 'passkey' || webauthn.available();
      let method = step.code_sent ? (methods.find((m) => m.id === step.code_sent.method_id) || methods[0]) : (methods.find(usable) || methods[0]);
      let recovery = false;
      const recoveryOnly = !method;
      const where = h('p', { id: 'reauth-where' });
      const code = codeInput('reauth-code');
      code.setAttribute('aria-describedby', 'reauth-where');
      const box = errorBox('reauth-error', code);
      const label = h('label', { for: 'reauth-code' }, t('reauth.code_label'));
      const send = h('button', { type: 'button', id: 'reauth-send', class: 'secondary' }, t('reauth.send'));
      const pick = methods.length > 1
        ? h('select', { id: 'reauth-method' }, methods.map((m) => h('option', { value: m.id }, methodLabel(m))))
        : null;
      let sent = step.code_sent ? method.id : null;
      const codeField = h('div', { class: 'field' }, label, code);
      const describe = () => {
        const passkey = !recovery && method.kind === 'passkey';
        // A passkey has no code: the confirm button opens the browser's dialog instead.
        codeField.hidden = passkey;
        // Its errors then sit under the method, not in the hidden code's field.
        box.forInput = passkey ? null : code;
        if (passkey && box.parentElement === codeField) codeField.after(box);
        go.textContent = passkey ? t('reauth.use_passkey') : t('reauth.confirm');
        go.disabled = passkey && !usable(method);
        if (recovery) { where.textContent = t('reauth.where_recovery'); label.textContent = t('reauth.recovery_label'); send.hidden = true; return; }
        if (passkey) {
          send.hidden = true;
          where.textContent = !usable(method) ? t('reauth.passkey_not_here')
            : inApp ? `${t('reauth.where_passkey', { hint: method.hint })} ${t('common.passkey_in_browser')}`
            : t('reauth.where_passkey', { hint: method.hint });
          return;
        }
        label.textContent = t('reauth.code_label');
        send.hidden = method.kind === 'totp';
        where.textContent = method.kind === 'totp'
          ? t('reauth.where_totp')
          : sent === method.id && step.code_sent ? t('reauth.where_sent', { to: step.code_sent.sent_to }) : t('reauth.where_pick');
      };
      if (pick) {
        pick.value = method.id;
        pick.addEventListener('change', () => { method = methods.find((m) => m.id === pick.value); describe(); });
      }
      send.addEventListener('click', () => busy(send, async () => {
        clearError(box);
        try {
          step.code_sent = await app.guard(request('POST', `/challenges/${step.challenge_id}/send`, { method_id: method.id }));
          sent = method.id;
          describe();
          code.focus();
        } catch (e) { if (e.handled) return close(false); showError(box, e); }
      }));
      const toRecovery = () => {
        recovery = true;
        code.setAttribute('inputmode', 'text');
        code.setAttribute('autocomplete', 'off');
        code.setAttribute('maxlength', '24');
        code.removeAttribute('pattern');
        code.classList.add('recovery');
        if (pick) pick.closest('.field').hidden = true;
        useRecovery.hidden = true;
        describe();
        code.value = '';
        code.focus();
      };
      const useRecovery = h('button', { type: 'button', id: 'reauth-use-recovery', class: 'link', onclick: toRecovery }, t('reauth.use_recovery'));
      const go = h('button', { type: 'submit', id: 'reauth-confirm', class: 'primary' }, t('reauth.confirm'));
      fill(dialog,
        h('h2', { id: 'reauth-title' }, t('reauth.title')),
        where,
        h('form', {
          novalidate: true,
          onsubmit: (ev) => {
            ev.preventDefault();
            const passkey = !recovery && method.kind === 'passkey';
            if (!passkey && !code.value.trim()) { showError(box, { message: t('reauth.code_missing') }); code.focus(); return; }
            busy(go, async () => {
              clearError(box);
              try {
                const at = `/challenges/${step.challenge_id}`;
                let done;
                if (recovery) done = await app.guard(request('POST', `${at}/recover`, { recovery_code: code.value }));
                else if (passkey) done = await app.guard(request('POST', `${at}/verify`, { method_id: method.id, credential: await askPasskey(app, at, method) }));
                else done = await app.guard(request('POST', `${at}/verify`, { method_id: method.id, code: code.value }));
                passed(done);
              } catch (e) {
                if (e.handled) return close(false);
                if (e.aborted) return;
                if (e.code === 'passkey_cancelled' || (e.code === 'passkey_failed' && e.attempts_left > 0)) {
                  showError(box, { message: e.code === 'passkey_cancelled' ? t('signin.passkey.cancelled') : t('signin.passkey.failed', { count: e.attempts_left }) });
                  go.focus();
                  return;
                }
                // This confirmation can take no more codes: start it again from the password.
                if (e.code === 'challenge_locked' || e.code === 'challenge_expired') return passwordStep(errorText(e));
                if (e.code === 'passkey_failed') return passwordStep(t('signin.passkey.last_try'));
                if (e.code === 'two_step_locked' && !recovery) {
                  // The 423 names the challenge a recovery code answers now.
                  step.challenge_id = e.challenge_id || step.challenge_id;
                  toRecovery();
                }
                showError(box, { ...e, message: errorText(e) });
                code.select();
                code.focus();
              }
            });
          },
        },
          pick ? field(t('reauth.method_label'), pick) : null,
          codeField,
          box,
          h('div', { class: 'actions' }, go, send, cancel()),
          useRecovery));
      if (recoveryOnly) toRecovery();
      else describe();
      if (codeField.hidden) go.focus();
      else code.focus();
    }

    dialog.addEventListener('close', () => webauthn.abort());
    document.body.append(dialog);
    passwordStep();
    dialog.showModal();
  });
}

/** A passkey's answer to the fresh sign-in's challenge (`at`): the browser's request for it
 *  (`send`), then its dialog. */
async function askPasskey(app, at, method) {
  const asked = await app.guard(request('POST', `${at}/send`, { method_id: method.id }));
  return webauthn.get(asked.options);
}

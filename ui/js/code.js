// The one-time-code field: digits on phone keyboards, filled by the OS from an SMS or email
// where it can, and paste-friendly ("123 456" and "123-456" are fine; the server reads them).
// Also what every code screen shares: the countdown and the wrong-code message.
import { t } from './i18n.js';
import { h, timeLeft, secondsUntil } from './dom.js';

export function codeInput(id = 'code') {
  return h('input', {
    id, name: 'code', type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code',
    pattern: '[0-9 \\-]*', maxlength: '12', spellcheck: 'false', autocapitalize: 'off',
    class: 'code', autofocus: true, required: true,
  });
}

/** "That code isn't right. 3 attempts left." */
export function attemptsLeft(n) {
  return t('code.attempts_left', { count: n });
}

/** Every second: the time left on the latest code (`delivery()`, null before the first), and
 *  "Send new code" enabled once its cooldown is over (unless busy, or locked for good). */
export function countdown(app, expiry, resend, delivery) {
  app.every(1000, () => {
    const d = delivery();
    if (!d) { expiry.textContent = ''; return; }
    const left = timeLeft(d.expires_at);
    expiry.textContent = left ? t('code.expires_in', { left }) : t('code.expired');
    if (resend.getAttribute('aria-busy') || resend.dataset.locked) return;
    const wait = secondsUntil(d.resend_after);
    resend.disabled = wait > 0;
    resend.textContent = wait > 0 ? t('code.resend_in', { seconds: wait }) : t('code.resend');
  });
}

/** What to do when no code came (or, for an authenticator app, when its code is refused),
 *  folded away until asked for: the help page's advice, then the way out. */
export function noCodeHelp(method, { others = false, setup = false } = {}) {
  const tips = method.kind === 'totp'
    ? [t('signin.no_code.totp_time')]
    : [t('signin.no_code.wait'), t(`signin.no_code.${method.kind}`, { hint: method.hint })];
  if (setup) {
    // While setting a method up, the way out is another address or another method.
    if (method.kind !== 'totp') tips.push(t('signin.no_code.setup_other'));
  } else {
    if (others) tips.push(t('signin.no_code.another_way'));
    tips.push(t('signin.no_code.admin'));
  }
  return h('details', { class: 'help', id: 'no-code' },
    h('summary', {}, method.kind === 'totp' ? t('signin.no_code.totp_summary') : t('signin.no_code.summary')),
    h('ul', {}, tips.map((tip) => h('li', {}, tip))));
}

// "Forgot password?": the sign-in email, and a link to it if it is someone's. The answer is the
// same whatever the email (the server tells no one whether an account exists), so the screen
// says what happens if it is theirs. The link opens the browser's "Choose a new password"
// (signin.newPassword with its token), and the second step follows as at any sign-in.

import { request } from './transport.js';
import { t } from './i18n.js';
import { h, field, errorBox, showError, clearError, busy } from './dom.js';

export function render(app, { email: prefill } = {}) {
  const email = h('input', { type: 'email', name: 'email', id: 'forgot-email', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false', value: prefill || '', autofocus: true });
  const box = errorBox('forgot-error', email);
  const submit = h('button', { type: 'submit', id: 'send-reset-link', class: 'primary' }, t('signin.forgot.submit'));
  const back = h('p', {}, h('a', { href: '#sign-in', id: 'forgot-back', onclick: (ev) => { ev.preventDefault(); app.signedOut(); } }, t('signin.forgot.back')));
  const body = h('div', { class: 'narrow' });
  const form = h('form', {
    class: 'card', novalidate: true,
    onsubmit: (ev) => {
      ev.preventDefault();
      const who = email.value.trim();
      if (!who) { showError(box, { message: t('signin.forgot.missing') }); email.focus(); return; }
      busy(submit, async () => {
        clearError(box);
        try {
          await request('POST', '/password-reset', { email: who });
          const sent = h('div', { class: 'card', id: 'reset-sent', role: 'status', tabindex: '-1' },
            h('p', {}, t('signin.forgot.sent', { email: who })),
            h('p', { class: 'hint' }, t('signin.forgot.sent_hint')));
          body.replaceChildren(h('h1', {}, t('signin.forgot.sent_title')), sent, back);
          sent.focus();
        } catch (e) {
          showError(box, e);
          email.focus();
        }
      });
    },
  }, field(t('signin.email_label'), email), box, submit);
  body.append(h('h1', {}, t('signin.forgot.title')), h('p', {}, t('signin.forgot.intro')), form, back);
  return body;
}

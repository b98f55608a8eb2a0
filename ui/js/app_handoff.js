// The browser's half of the app's "Sign in with a passkey" (RFC 8252, docs/api.md "Native
// apps"): the app opened /oauth/authorize, which sent the browser here with the app's request
// in the address. The person uses their passkey; the server makes a one-time code for the app's
// own address on this computer, and the browser goes there. This page never sees the app's
// secret, and no session is made in this browser.

import { request } from './transport.js';
import { t } from './i18n.js';
import { h, errorBox, showError, clearError, busy } from './dom.js';
import * as webauthn from './webauthn.js';

/** The app's request in the page's address, or null. */
export function requested(search) {
  const q = new URLSearchParams(search);
  const fields = ['redirect_uri', 'code_challenge', 'code_challenge_method'];
  if (q.get('client_id') !== 'twostep-app' || fields.some((f) => !q.get(f))) return null;
  return {
    redirect_uri: q.get('redirect_uri'),
    code_challenge: q.get('code_challenge'),
    code_challenge_method: q.get('code_challenge_method'),
    state: q.get('state') || null,
  };
}

export function render(app, { asked }) {
  const box = errorBox('handoff-error');
  const go = h('button', { type: 'button', id: 'handoff-passkey', class: 'primary' }, t('handoff.button'));
  const done = h('p', { class: 'notice', id: 'handoff-done', role: 'status', hidden: true }, t('handoff.done'));
  go.addEventListener('click', () => busy(go, async () => {
    clearError(box);
    try {
      const ceremony = await request('POST', '/login/passkey');
      const credential = await webauthn.get(ceremony.options);
      const next = await request('POST', '/oauth/code', { ...asked, ceremony_id: ceremony.ceremony_id, credential });
      done.hidden = false;
      go.hidden = true;
      window.location.assign(next.redirect_to);
    } catch (e) {
      if (e.aborted) return;
      showError(box, e.code === 'passkey_cancelled' ? { message: t('signin.passkey.cancelled_alone') } : e);
      go.focus();
    }
  }));
  const usable = webauthn.available();
  return h('div', { class: 'narrow' },
    h('h1', {}, t('handoff.title')),
    h('p', {}, t('handoff.intro')),
    h('section', { class: 'card' },
      usable ? null : h('p', { class: 'notice', id: 'handoff-unavailable' }, t('handoff.unavailable')),
      box,
      usable ? go : null,
      done),
    h('p', { class: 'hint' }, t('handoff.not_you')));
}

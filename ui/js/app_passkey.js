// The browser's half of a passkey the app adds or uses (src-tauri/browser_passkey.rs): the app,
// whose webview has no WebAuthn, opened this page with the server's options for one ceremony,
// its own address on this computer and a state, all in the fragment (which no server sees).
// The passkey is made or used here, on the server's origin, and the browser takes the
// credential back to the app, which sends it to the server with its own session. This page
// makes no session and sends nothing to the server.

import { t } from './i18n.js';
import { h, errorBox, showError, clearError, busy } from './dom.js';
import * as webauthn from './webauthn.js';

/** Where the app listens: only this computer's loopback, at a port, at /callback. */
const APP_ADDRESS = /^http:\/\/(127\.0\.0\.1|\[::1\]):[0-9]{1,5}\/callback$/;

/** The app's request in the fragment (`#app-passkey/<base64url JSON>`), or null. */
export function requested(hash) {
  const m = hash.match(/^#app-passkey\/([A-Za-z0-9_-]{16,12000})$/);
  if (!m) return null;
  try {
    const asked = JSON.parse(utf8(m[1]));
    const ok = ['create', 'get'].includes(asked.ceremony) && asked.options && asked.options.publicKey
      && typeof asked.redirect_uri === 'string' && APP_ADDRESS.test(asked.redirect_uri)
      && typeof asked.state === 'string' && asked.state.length > 0;
    return ok ? asked : null;
  } catch (e) {
    return null;
  }
}

export function render(app, { asked }) {
  const creating = asked.ceremony === 'create';
  const usable = webauthn.available();
  const box = errorBox('app-passkey-error');
  const go = h('button', { type: 'button', id: 'app-passkey-go', class: 'primary', autofocus: true }, t(creating ? 'app_passkey.create' : 'app_passkey.use'));
  const done = h('p', { class: 'notice', id: 'app-passkey-done', role: 'status', hidden: true }, t('app_passkey.done'));
  // Back to the app with the credential, or with why there is none (the app then says so).
  const back = (fields) => {
    const q = new URLSearchParams({ state: asked.state, ...fields });
    go.hidden = cancel.hidden = true;
    done.hidden = false;
    window.location.assign(`${asked.redirect_uri}?${q}`);
  };
  const cancel = h('button', { type: 'button', id: 'app-passkey-cancel', class: 'secondary', onclick: () => back({ error: usable ? 'passkey_cancelled' : 'passkey_unsupported' }) }, t('app_passkey.cancel'));
  go.addEventListener('click', () => busy(go, async () => {
    clearError(box);
    try {
      const credential = creating ? await webauthn.create(asked.options) : await webauthn.get(asked.options);
      back({ credential: base64url(JSON.stringify(credential)) });
    } catch (e) {
      if (e.aborted) return;
      // Tried here again, or "Cancel" sends the app the refusal.
      showError(box, e.code === 'passkey_cancelled' ? { message: t('app_passkey.cancelled') } : e);
      go.focus();
    }
  }));
  return h('div', { class: 'narrow' },
    h('h1', {}, t(creating ? 'app_passkey.create_title' : 'app_passkey.use_title')),
    h('p', {}, t(creating ? 'app_passkey.create_intro' : 'app_passkey.use_intro')),
    h('section', { class: 'card' },
      usable ? null : h('p', { class: 'notice', id: 'app-passkey-unavailable' }, t('handoff.unavailable')),
      box,
      h('div', { class: 'actions' }, usable ? go : null, cancel),
      done),
    h('p', { class: 'hint' }, t('app_passkey.not_you')));
}

function utf8(b64url) {
  const b64 = b64url.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return new TextDecoder().decode(Uint8Array.from(raw, (ch) => ch.charCodeAt(0)));
}

function base64url(text) {
  let raw = '';
  for (const b of new TextEncoder().encode(text)) raw += String.fromCharCode(b);
  return btoa(raw).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

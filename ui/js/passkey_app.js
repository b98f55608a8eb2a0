// "Sign in with a passkey" in the app, whose webview has no WebAuthn: the system browser
// signs in with the passkey and the app gets its own session (src-tauri/browser_sign_in.rs,
// RFC 8252). The browser's own screens use WebAuthn directly.

import { call } from './api.js';
import { deviceName } from './transport.js';
import { t } from './i18n.js';
import { h, errorBox, showError, clearError, busy } from './dom.js';

export function inBrowser(app, status) {
  const box = errorBox('passkey-browser-error');
  const waiting = h('p', { class: 'hint', id: 'passkey-browser-waiting', role: 'status', hidden: true }, t('signin.passkey_app.waiting'));
  const button = h('button', {
    type: 'button', id: 'passkey-in-browser', class: 'secondary',
    onclick: (ev) => busy(ev.currentTarget, async () => {
      clearError(box);
      waiting.hidden = false;
      try {
        app.step(await call('sign_in_in_browser', { deviceName: deviceName(status) }));
      } catch (e) {
        showError(box, e);
      } finally {
        waiting.hidden = true;
      }
    }),
  }, t('signin.passkey_app.button'));
  return h('section', { class: 'card', 'aria-labelledby': 'passkey-browser-h' },
    h('h2', { id: 'passkey-browser-h' }, t('signin.passkey_app.title')),
    h('p', { class: 'hint' }, t('signin.passkey_app.intro')),
    box, button, waiting);
}

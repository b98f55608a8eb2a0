// The one way the screens reach the server's API (docs/api.md): `request(method, path, body)`
// with a path below /api/v1. In the app, one command (api_request) forwards it with the
// session the app keeps in the keyring; in a browser, fetch, with the session in an HttpOnly
// cookie. Either way no token reaches this page, and a screen written on this has one
// implementation for both shells. Errors are the API's: {code, message, attempts_left?,
// retry_after?}.

import { call } from './api.js';
import { t } from './i18n.js';

const inApp = Boolean(window.__TAURI__ && window.__TAURI__.core);

export async function request(method, path, body) {
  if (inApp) return call('api_request', { method, path, body: body === undefined ? null : body });
  let res;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'twostep-client': 'web' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw { code: 'unreachable', message: t('errors.unreachable', { server: window.location.host }) };
  }
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (res.ok) return data;
  const error = (data && data.error) || { code: 'internal', message: `HTTP ${res.status}` };
  throw { ...error, status: res.status };
}

// The one way the screens reach the server's API (docs/api.md): `request(method, path, body)`
// with a path below /api/v1. In the app, one command (api_request) forwards it with the
// credential the app keeps (the session in the keyring, or the token of a sign-in under way),
// and keeps what an answer hands over; in a browser, fetch, and the server keeps the same
// credentials in HttpOnly cookies. Either way no token reaches this page, and a screen written
// on this has one implementation for both shells. Errors are the API's: {code, message,
// attempts_left?, retry_after?, challenge_id?, detail?}.

import { call } from './api.js';
import { t } from './i18n.js';
import { setClockOffset } from './dom.js';

/** Whether this page runs in the app's window (else: a browser, served by the server). */
export const inApp = Boolean(window.__TAURI__ && window.__TAURI__.core);

export async function request(method, path, body) {
  if (inApp) return call('api_request', { method, path, body: body === undefined ? null : body });
  let res;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'twostep-client': 'web', 'twostep-device': browserId() },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw { code: 'unreachable', message: t('errors.unreachable', { server: window.location.host }) };
  }
  // The server's clock, from its answer's Date (to the second): countdowns ("The code expires
  // in 9:59") run on it even on a device whose clock is off. The app measures it at start.
  const date = Date.parse(res.headers.get('date') || '');
  if (Number.isFinite(date)) setClockOffset(Math.abs(date - Date.now()) > 1500 ? date - Date.now() : 0);
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (res.ok) return data;
  const error = { ...((data && data.error) || { code: 'internal', message: `HTTP ${res.status}` }) };
  // The app's errors name a weak password's reason `detail`; the API's, `weakness`.
  if (error.weakness && !error.detail) error.detail = error.weakness;
  throw { ...error, status: res.status };
}

/** `path` with `params` as its query (the empty and null ones left out), encoded. */
export function withQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  }
  const text = q.toString();
  return text ? `${path}?${text}` : path;
}

/** The signed-in person as the screens hold them, from an answer that signed someone in
 *  (`person`, and `session` without its token): the profile shown first is staff when they
 *  have it, else family; `keyring_warning` when the app's keyring refused the session. */
export function meOf(done) {
  const person = done.person;
  const profile = ['staff', 'guardian'].find((r) => person.roles.includes(r)) || null;
  return { person, profile, keyring_warning: done.keyring_warning || null, recovered: !!(done.session && done.session.recovered) };
}

/** This browser's own random id (`Twostep-Device`), kept in its storage: a sign-in from a
 *  browser seen before is not a new device. Not a secret: the server keeps only its hash. */
function browserId() {
  const key = 'twostep-device';
  try {
    let id = localStorage.getItem(key);
    if (!id || !/^[0-9a-f-]{36}$/.test(id)) {
      id = crypto.randomUUID();
      localStorage.setItem(key, id);
    }
    return id;
  } catch (e) {
    // Storage refused (a private window): a new device each time, which only means a notice.
    return crypto.randomUUID();
  }
}

/** What this device is called in "Where you're signed in" and the new sign-in notice, in the
 *  person's language: the app names the computer (which only it knows), a browser names itself
 *  and its system. */
export function deviceName(status) {
  if (inApp && status && status.device) {
    const { host, os } = status.device;
    return host ? t('signin.device.app_on', { host, os }) : t('signin.device.app', { os });
  }
  const ua = navigator.userAgent;
  const first = (names) => (Object.entries(names).find(([, pattern]) => pattern.test(ua)) || [null])[0];
  // iPadOS asks for desktop pages as a Mac: a Mac with touch is an iPad.
  const ipad = /iPad/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1);
  const os = ipad ? 'iPad' : first(SYSTEMS);
  // Every WebKit browser says "Safari"; only Apple's systems run Safari itself.
  const found = first(BROWSERS);
  const browser = APPLE_ONLY[found] && !['iPad', 'iPhone', 'macOS'].includes(os) ? null : found;
  const name = browser || t('signin.device.browser');
  return os ? t('signin.device.browser_on', { browser: name, os }) : name;
}

// Product names, the same in every language; the first that matches, in this order (Edge and
// Chrome also say "Safari", Edge also says "Chrome").
const BROWSERS = { Edge: /Edg\//, Firefox: /Firefox\//, Chrome: /(Chrome|Chromium|CriOS)\//, Safari: /Safari\// };
const APPLE_ONLY = { Safari: true };
const SYSTEMS = { iPhone: /iPhone/, Android: /Android/, ChromeOS: /CrOS/, Windows: /Windows/, macOS: /Mac OS X/, Linux: /Linux/ };

/** A browser's "Save as a file": the text as a download (the app's go through the system's
 *  Save dialog). Whether it was saved, as the app's answer says. */
export function download(fileName, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
  return true;
}

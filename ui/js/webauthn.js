// Passkeys in a browser (WebAuthn, docs/api.md "Sign-in"): the server's options (JSON, binary
// fields base64url) made into what navigator.credentials takes, and the browser's credential
// made into the JSON the server reads (the shape of PublicKeyCredential.toJSON()). Written
// here rather than left to parseCreationOptionsFromJSON and toJSON, which not every browser a
// family uses has yet. One ceremony at a time: a new one (or `abort()`) ends the one waiting,
// such as the sign-in's autofill.

import { inApp } from './transport.js';
import { call } from './api.js';

/** Whether this page can use passkeys: a browser with WebAuthn, in a secure context, at an
 *  address that is a name; or the app, whose Linux webview (WebKitGTK) has no WebAuthn, through
 *  the system browser (`passkey_in_browser`: the server's own page runs the dialog there).
 *  Browsers refuse WebAuthn on an IP address, so a server reached at one offers none. */
export function available() {
  if (inApp) return true;
  if (!window.isSecureContext) return false;
  if (typeof window.PublicKeyCredential !== 'function' || !navigator.credentials) return false;
  const host = window.location.hostname;
  return !(/^[0-9.]+$/.test(host) || host.includes(':') || host.startsWith('['));
}

/** Whether the browser offers passkeys in the email field's autofill (conditional mediation). */
export async function autofillAvailable() {
  if (inApp || !available() || typeof PublicKeyCredential.isConditionalMediationAvailable !== 'function') return false;
  try {
    return await PublicKeyCredential.isConditionalMediationAvailable();
  } catch (e) {
    return false;
  }
}

let waiting = null;

/** Ends the ceremony under way, if any (its promise rejects with `passkey_aborted`). */
export function abort() {
  if (waiting) waiting.abort();
  waiting = null;
}

function signal() {
  abort();
  waiting = new AbortController();
  return waiting.signal;
}

/** Makes a new passkey from `POST /me/methods`' options: the credential for `confirm`. */
export async function create(options) {
  if (inApp) return inBrowser('create', options);
  const pk = options.publicKey;
  const publicKey = {
    ...pk,
    challenge: bytes(pk.challenge),
    user: { ...pk.user, id: bytes(pk.user.id) },
    excludeCredentials: (pk.excludeCredentials || []).map(described),
  };
  return credentialJson(await ceremony(() => navigator.credentials.create({ publicKey, signal: signal() })));
}

/** Asks for a passkey with a sign-in's options (`send`, `POST /login/passkey`): the assertion
 *  for `verify`. `conditional`: offered in the autofill, waiting until the person picks one;
 *  otherwise the browser's own dialog now (the server's `mediation` is not passed on: a button
 *  asks at once). */
export async function get(options, { conditional = false } = {}) {
  if (inApp) return inBrowser('get', options);
  const pk = options.publicKey;
  const publicKey = {
    ...pk,
    challenge: bytes(pk.challenge),
    allowCredentials: (pk.allowCredentials || []).map(described),
  };
  const request = { publicKey, signal: signal() };
  if (conditional) request.mediation = 'conditional';
  return credentialJson(await ceremony(() => navigator.credentials.get(request)));
}

/** The app: the ceremony in the system browser, on the server's page (ui/js/app_passkey.js),
 *  which hands the credential back to the app; its refusals come back as the same codes. */
async function inBrowser(ceremony, options) {
  try {
    return await call('passkey_in_browser', { ceremony, options });
  } catch (e) {
    throw { ...e, code: e.code || 'passkey_browser' };
  }
}

/** What the browser's refusals mean, as error codes the catalogs word (errors.passkey_*). */
const REFUSALS = {
  // Cancelled in the browser's dialog, timed out, or no passkey of this account here.
  NotAllowedError: 'passkey_cancelled',
  // Adding: this device already holds a passkey of this account (excludeCredentials).
  InvalidStateError: 'passkey_exists',
  AbortError: 'passkey_aborted',
  SecurityError: 'passkey_insecure',
  NotSupportedError: 'passkey_unsupported',
};

async function ceremony(run) {
  let credential;
  try {
    credential = await run();
  } catch (e) {
    const code = REFUSALS[e && e.name] || 'passkey_browser';
    throw { code, message: (e && e.message) || String(e), aborted: code === 'passkey_aborted' };
  }
  // No credential and no error: as good as cancelled.
  if (!credential) throw { code: 'passkey_cancelled', message: '' };
  return credential;
}

function described(c) {
  return { ...c, id: bytes(c.id) };
}

function credentialJson(c) {
  const r = c.response;
  const response = { clientDataJSON: base64url(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = base64url(r.attestationObject);
    if (typeof r.getTransports === 'function') response.transports = r.getTransports();
  } else {
    response.authenticatorData = base64url(r.authenticatorData);
    response.signature = base64url(r.signature);
    response.userHandle = r.userHandle ? base64url(r.userHandle) : null;
  }
  return {
    id: c.id,
    rawId: base64url(c.rawId),
    type: c.type,
    response,
    clientExtensionResults: typeof c.getClientExtensionResults === 'function' ? c.getClientExtensionResults() : {},
  };
}

/** base64url (padded or not) to bytes. */
function bytes(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(raw, (ch) => ch.charCodeAt(0)).buffer;
}

/** Bytes to base64url without padding. */
function base64url(buffer) {
  let raw = '';
  for (const b of new Uint8Array(buffer)) raw += String.fromCharCode(b);
  return btoa(raw).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

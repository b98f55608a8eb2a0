// Small helpers to build the screens without innerHTML: text is always text.

import { t, has, dateTime } from './i18n.js';

export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** Replaces an element's children, skipping the absent ones as h() does (the DOM's own
 *  replaceChildren would show a null as the text "null"). */
export function fill(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
}

let uid = 0;
/** A labelled input; `hint` is read by screen readers with the field. */
export function field(label, input, hint) {
  const id = input.id || `f${++uid}`;
  input.id = id;
  const parts = [h('label', { for: id }, label)];
  if (hint) {
    const hid = `${id}-hint`;
    input.setAttribute('aria-describedby', hid);
    parts.push(h('p', { id: hid, class: 'hint' }, hint));
  }
  parts.push(input);
  return h('div', { class: 'field' }, parts);
}

/** The error area of a form: announced when filled. With `input`, an error marks that field
 *  invalid and becomes part of its description, so a screen reader on the field hears why. */
export function errorBox(id = 'form-error', input = null) {
  const box = h('div', { id, class: 'error', role: 'alert', hidden: true });
  box.forInput = input;
  return box;
}

function describedBy(input, id, on) {
  const ids = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter((x) => x && x !== id);
  if (on) ids.push(id);
  if (ids.length) input.setAttribute('aria-describedby', ids.join(' '));
  else input.removeAttribute('aria-describedby');
}

/**
 * What went wrong, in the chosen language: the catalog's wording of the error's stable code
 * (errors.<code>), or the message that came with it when the catalog has none.
 */
export function errorText(err) {
  if (!err) return '';
  const code = err.code;
  if (code && has(`errors.${code}`)) {
    const retry = Number(err.retry_after) || 0;
    const minutes = Math.max(1, Math.ceil(retry / 60));
    const attempts = err.attempts_left !== undefined && err.attempts_left !== null ? err.attempts_left : null;
    // The number a sentence counts: attempts left, else minutes (or seconds, for `seconds` keys).
    const count = attempts !== null ? attempts : (code === 'pin_locked' ? retry : minutes);
    // What exactly was wrong (a link, an entry, an import), worded from its own code.
    const detail = err.detail && has(`errors.detail.${err.detail}`) ? t(`errors.detail.${err.detail}`) : err.message;
    // A PIN locked for minutes, not seconds (the lock grows to an hour).
    if (code === 'pin_locked' && retry > 90) return t('errors.pin_locked_minutes', { count: minutes });
    return t(`errors.${code}`, { count, attempts_left: attempts, seconds: retry, minutes, detail });
  }
  return err.message || String(err);
}

export function showError(box, err, extra) {
  box.replaceChildren(h('p', {}, errorText(err)));
  if (extra) box.append(extra);
  box.hidden = false;
  if (box.forInput) {
    box.forInput.setAttribute('aria-invalid', 'true');
    describedBy(box.forInput, box.id, true);
    // The message sits on the field itself, right above the input it is about (under its
    // label and hint), where the eye and the screen reader already are.
    if (box.forInput.parentElement && box.forInput.parentElement.classList.contains('field')) {
      box.forInput.before(box);
    }
  }
}

export function clearError(box) {
  box.hidden = true;
  box.replaceChildren();
  if (box.forInput) {
    box.forInput.removeAttribute('aria-invalid');
    describedBy(box.forInput, box.id, false);
  }
}

/** Disables a button while `work` runs, so a double tap sends once. */
export async function busy(button, work) {
  if (button.disabled) return;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    // A form that ended for good (a locked sign-in) keeps its buttons off.
    if (!button.dataset.locked) button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/** A method's kind, as the help page names it: "Authenticator app", "Email", "Text message". */
export function kindLabel(kind) {
  return t(`common.kind.${kind}`);
}

/** A method as a person names it: "Email j•••@example.org", "Passkey “My phone”"; an
 *  authenticator app has no hint beyond its kind ("Authenticator app", not "Authenticator app
 *  Authenticator app"). */
export function methodLabel(m) {
  if (m.kind === 'totp') return kindLabel('totp');
  if (m.kind === 'passkey') return t('common.passkey_label', { hint: m.hint });
  return t('common.method_label', { kind: kindLabel(m.kind), hint: m.hint });
}

/** What tells two methods of a kind apart: the address hint, none for an authenticator app. */
export function methodHint(m) {
  return m.kind === 'totp' ? '' : m.hint;
}

export function when(iso) {
  if (!iso) return t('common.never');
  return dateTime(iso);
}

let offsetMs = 0;
/** The server's clock minus this device's: countdowns follow the server's clock. */
export function setClockOffset(ms) { offsetMs = Number(ms) || 0; }
/** Now, on the server's clock (in milliseconds). */
export const serverNow = () => Date.now() + offsetMs;

/** "9:41" until `iso`, or null when it has passed. */
export function timeLeft(iso) {
  const s = Math.ceil((new Date(iso).getTime() - serverNow()) / 1000);
  if (s <= 0) return null;
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function secondsUntil(iso) {
  return Math.max(0, Math.ceil((new Date(iso).getTime() - serverNow()) / 1000));
}

// Small helpers to build the screens without innerHTML: text is always text.

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

/** The error area of a form: announced when filled. */
export function errorBox(id = 'form-error') {
  return h('div', { id, class: 'error', role: 'alert', hidden: true });
}

export function showError(box, err, extra) {
  box.replaceChildren(h('p', {}, err.message || String(err)));
  if (extra) box.append(extra);
  box.hidden = false;
}

export function clearError(box) {
  box.hidden = true;
  box.replaceChildren();
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

export const KIND_LABEL = { totp: 'Authenticator app', email: 'Email', sms: 'Text message' };

export function when(iso) {
  if (!iso) return 'never';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

let offsetMs = 0;
/** The server's clock minus this device's: countdowns follow the server's clock. */
export function setClockOffset(ms) { offsetMs = Number(ms) || 0; }
const serverNow = () => Date.now() + offsetMs;

/** "9:41" until `iso`, or null when it has passed. */
export function timeLeft(iso) {
  const s = Math.ceil((new Date(iso).getTime() - serverNow()) / 1000);
  if (s <= 0) return null;
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function secondsUntil(iso) {
  return Math.max(0, Math.ceil((new Date(iso).getTime() - serverNow()) / 1000));
}

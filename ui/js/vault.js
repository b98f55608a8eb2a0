// The built-in authenticator: codes of the people who use this device, each behind its own
// PIN if they chose one. Codes count down with a ring; a tap copies (cleared after 60 s).
// Opened from the sign-in screen, the navigation, or the code screen ("pick" mode), where a
// revealed code can be used directly.

import { call } from './api.js';
import { h, field, errorBox, showError, clearError, busy } from './dom.js';

const REVEAL_MS = 30_000;
const group = (c) => (c.length === 6 ? `${c.slice(0, 3)} ${c.slice(3)}` : c.length === 8 ? `${c.slice(0, 4)} ${c.slice(4)}` : c);

function ring(secondsLeft, period) {
  const r = 16;
  const len = 2 * Math.PI * r;
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 40 40');
  svg.setAttribute('class', 'ring');
  svg.setAttribute('aria-hidden', 'true');
  const track = document.createElementNS(svg.namespaceURI, 'circle');
  const arc = document.createElementNS(svg.namespaceURI, 'circle');
  for (const c of [track, arc]) {
    c.setAttribute('cx', '20'); c.setAttribute('cy', '20'); c.setAttribute('r', String(r));
    c.setAttribute('fill', 'none'); c.setAttribute('stroke-width', '4');
  }
  track.setAttribute('class', 'ring-track');
  arc.setAttribute('class', 'ring-arc');
  arc.setAttribute('stroke-dasharray', String(len));
  arc.setAttribute('transform', 'rotate(-90 20 20)');
  svg.append(track, arc);
  svg.update = (left) => arc.setAttribute('stroke-dashoffset', String(len * (1 - left / period)));
  svg.update(secondsLeft);
  return svg;
}

/** The list. `pick(code)` is set when opened from the code screen. */
export function render(app, { pick, back, notice } = {}) {
  const box = errorBox('vault-error');
  const q = h('input', { type: 'search', id: 'vault-search', placeholder: 'Search by name or account', autocomplete: 'off' });
  const list = h('ul', { class: 'vault', id: 'vault-list', 'aria-live': 'off' });
  const clock = h('div', { id: 'clock' });
  const summary = h('p', { class: 'hint', id: 'vault-summary' });
  const shared = h('input', { type: 'checkbox', id: 'vault-shared' });
  let rows = new Map();
  let data = null;

  let first = true;
  async function load() {
    try {
      data = await call('vault_list', { query: q.value, remeasure: first });
      first = false;
    } catch (e) { showError(box, e); return; }
    clearError(box);
    clock.replaceChildren(data.clock.warning ? h('div', { class: 'card notice', role: 'alert' },
      h('p', { id: 'clock-warning' }, data.clock.warning),
      h('button', { type: 'button', id: 'resync', class: 'secondary', onclick: (ev) => busy(ev.currentTarget, async () => {
        try { await call('vault_resync'); app.toast('Codes now follow the server\'s clock.'); load(); } catch (e) { showError(box, e); }
      }) }, 'Resync')) : []);
    shared.checked = data.shared;
    summary.textContent = data.shared
      ? 'Shared classroom device: codes show only when tapped, and export is off.'
      : `${data.total} ${data.total === 1 ? 'account' : 'accounts'} on this device.`;
    rows = new Map();
    list.replaceChildren(...(data.entries.length ? data.entries.map((e) => row(e)) : [h('li', { class: 'empty' },
      data.total ? 'Nothing matches your search.' : 'No accounts yet. Add one, or choose "Use this device as the authenticator" when you set up 2-Step Verification.')]));
  }

  function row(e) {
    const r = ring(e.seconds_left, e.period);
    const codeEl = h('span', { class: 'code-text', 'aria-live': 'polite' });
    const pinBox = h('div', { class: 'pin-box', hidden: true });
    const err = errorBox(`err-${e.id}`);
    const state = { e, left: e.seconds_left, revealed: null, hideAt: 0 };
    const name = e.issuer || e.account;
    const show = h('button', { type: 'button', class: 'code-button', 'aria-label': `Code for ${name}` }, codeEl);
    const use = pick ? h('button', { type: 'button', class: 'primary use-code', hidden: true }, 'Use this code') : null;
    const li = h('li', { class: 'entry card', 'data-entry': e.id },
      h('div', { class: 'entry-main' }, r,
        h('div', { class: 'entry-names' }, h('strong', {}, e.issuer || e.account), e.issuer ? h('span', {}, e.account) : null,
          e.has_pin ? h('span', { class: 'badge' }, 'PIN') : null),
        show),
      pinBox, use, err,
      pick ? null : h('div', { class: 'row-actions' },
        h('button', { type: 'button', class: 'ghost rename', 'aria-label': `Rename ${name}`, onclick: () => rename(li, e) }, 'Rename'),
        h('button', { type: 'button', class: 'ghost set-pin', 'aria-label': `PIN for ${name}`, onclick: () => setPin(li, e) }, e.has_pin ? 'Change PIN' : 'Add a PIN'),
        h('button', { type: 'button', class: 'ghost delete', 'aria-label': `Delete ${name}`, onclick: () => confirmDelete(li, e) }, 'Delete')));
    const paint = () => {
      const code = state.revealed ? (state.left > 0 ? state.revealed.code : state.revealed.next_code) : e.code;
      if (code) {
        codeEl.textContent = group(code);
        show.dataset.code = code;
        show.setAttribute('aria-label', `Code for ${name}: ${code.split('').join(' ')}. Tap to copy.`);
        if (use) use.hidden = false;
      } else {
        codeEl.textContent = '••• •••';
        delete show.dataset.code;
        show.setAttribute('aria-label', `Show the code for ${name}`);
        if (use) use.hidden = true;
      }
      r.update(state.left > 0 ? state.left : state.left + e.period);
    };
    const hide = () => { state.revealed = null; pinBox.hidden = true; paint(); };
    const reveal = async (pin) => {
      try {
        state.revealed = await call('vault_reveal', { id: e.id, pin });
        state.left = state.revealed.seconds_left;
        state.hideAt = Date.now() + REVEAL_MS;
        pinBox.hidden = true;
        clearError(err);
        paint();
        if (use) use.focus();
      } catch (x) { showError(err, x); const i = pinBox.querySelector('input'); if (i) { i.select(); i.focus(); } }
    };
    show.addEventListener('click', async () => {
      if (show.dataset.code && !pick) {
        try {
          await call('vault_copy', { id: e.id, pin: state.revealed ? state.pin : null });
          app.toast('Code copied. The clipboard is cleared in 60 seconds.');
        } catch (x) { showError(err, x); }
        return;
      }
      if (show.dataset.code) return;
      if (!e.has_pin) return reveal(null);
      const input = h('input', { type: 'password', inputmode: 'numeric', autocomplete: 'off', class: 'pin', id: `pin-${e.id}`, maxlength: '12' });
      const ok = h('button', { type: 'submit', class: 'secondary' }, 'Show code');
      pinBox.replaceChildren(h('form', { class: 'pin-form', onsubmit: (ev) => { ev.preventDefault(); state.pin = input.value; busy(ok, () => reveal(input.value)); } },
        field(`PIN for ${name}`, input), ok));
      pinBox.hidden = false;
      input.focus();
    });
    if (use) use.addEventListener('click', () => pick(show.dataset.code));
    state.tick = () => {
      state.left -= 1;
      // A shown code hides after 30 seconds, or once the code after it has run out too.
      if (state.revealed && (Date.now() > state.hideAt || state.left <= -e.period)) { state.pin = null; hide(); }
      if (!state.revealed && state.left <= 0) {
        if (e.code) return true; // a listed code ran out: fetch the new ones
        state.left += e.period;
      }
      paint();
      return false;
    };
    rows.set(e.id, state);
    paint();
    return li;
  }

  /** A PIN field, for entries that have one (their owner's say-so to change them). */
  const pinField = (e) => (e.has_pin
    ? h('input', { type: 'password', inputmode: 'numeric', autocomplete: 'off', class: 'pin', maxlength: '12' })
    : null);

  function rename(li, e) {
    const issuer = h('input', { type: 'text', value: e.issuer, id: `issuer-${e.id}` });
    const account = h('input', { type: 'text', value: e.account, id: `account-${e.id}` });
    const pin = pinField(e);
    const err = errorBox();
    const save = h('button', { type: 'submit', class: 'primary' }, 'Save');
    const form = h('form', { class: 'confirm', onsubmit: (ev) => { ev.preventDefault(); busy(save, async () => {
      try { await call('vault_rename', { id: e.id, issuer: issuer.value, account: account.value, pin: pin ? pin.value : null }); load(); } catch (x) { showError(err, x); }
    }); } }, field('Name', issuer), field('Account', account), pin ? field('PIN', pin) : null, err,
      h('div', { class: 'actions' }, save, h('button', { type: 'button', class: 'ghost', onclick: () => form.remove() }, 'Cancel')));
    li.append(form);
    issuer.focus();
  }

  function setPin(li, e) {
    const current = pinField(e);
    const next = h('input', { type: 'password', inputmode: 'numeric', autocomplete: 'new-password', class: 'new-pin', maxlength: '12' });
    const err = errorBox();
    const save = h('button', { type: 'submit', class: 'primary' }, 'Save');
    const form = h('form', { class: 'confirm', onsubmit: (ev) => { ev.preventDefault(); busy(save, async () => {
      try {
        await call('vault_set_pin', { id: e.id, currentPin: current ? current.value : null, newPin: next.value || null });
        app.toast(next.value ? 'PIN saved.' : 'PIN removed.');
        load();
      } catch (x) { showError(err, x); }
    }); } },
    current ? field('Current PIN', current) : null,
    field('New PIN', next, e.has_pin ? 'Leave it empty to remove the PIN.' : '4 to 12 digits.'), err,
    h('div', { class: 'actions' }, save, h('button', { type: 'button', class: 'ghost', onclick: () => form.remove() }, 'Cancel')));
    li.append(form);
    (current || next).focus();
  }

  function confirmDelete(li, e) {
    const pin = pinField(e);
    const err = errorBox();
    const yes = h('button', { type: 'button', class: 'danger', id: 'confirm-vault-delete', onclick: () => busy(yes, async () => {
      try { await call('vault_delete', { id: e.id, pin: pin ? pin.value : null }); app.toast(`${e.issuer || e.account} was removed from this device.`); load(); } catch (x) { showError(err, x); }
    }) }, 'Delete');
    const panel = h('div', { class: 'confirm', role: 'alertdialog', 'aria-label': 'Confirm deletion' },
      h('p', {}, `Remove ${e.issuer} ${e.account} from this device? Its codes can't be shown here again unless it is added again.`),
      pin ? field('PIN', pin) : null, err,
      h('div', { class: 'actions' }, yes, h('button', { type: 'button', class: 'ghost', onclick: () => panel.remove() }, 'Cancel')));
    li.append(panel);
    yes.focus();
  }

  let timer;
  q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(load, 150); });
  app.every(1000, () => {
    let stale = false;
    for (const s of rows.values()) if (s.tick()) stale = true;
    if (stale) load();
  });
  load();

  shared.addEventListener('change', async () => {
    try { await call('vault_set_shared', { shared: shared.checked }); load(); } catch (e) { showError(box, e); shared.checked = !shared.checked; }
  });

  return h('div', { class: 'page' },
    back ? h('p', {}, h('a', { href: '#back', id: 'vault-back', onclick: (ev) => { ev.preventDefault(); back(); } }, pick ? '← Back to your code' : '← Sign in')) : null,
    h('h1', {}, 'Authenticator'),
    notice ? h('p', { class: 'notice success' }, notice) : null,
    h('p', {}, pick ? 'Tap your account, enter your PIN if it has one, then use the code.' : 'Codes for the accounts added to this device.'),
    clock, box,
    field('Search', q),
    summary, list,
    pick ? null : h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'primary', id: 'vault-add', onclick: () => app.show(add, { back }, 'vault-add') }, 'Add an account'),
      h('button', { type: 'button', class: 'secondary', id: 'vault-transfer', onclick: () => app.show(transfer, { back }, 'vault-transfer') }, 'Import or export')),
    pick ? null : h('label', { class: 'check', for: 'vault-shared' }, shared, 'This is a shared classroom device (codes only on tap, no export)'));
}

/** Add an account: a pasted link, a QR image (file or pasted screenshot), or a key by hand. */
function add(app, { back } = {}) {
  const box = errorBox();
  const pin = h('input', { type: 'password', inputmode: 'numeric', id: 'new-entry-pin', autocomplete: 'new-password', maxlength: '12' });
  const uri = h('input', { type: 'text', id: 'new-entry-uri', placeholder: 'otpauth://totp/…', autocomplete: 'off', spellcheck: 'false' });
  const file = h('input', { type: 'file', id: 'new-entry-file', accept: 'image/*' });
  const issuer = h('input', { type: 'text', id: 'new-entry-issuer' });
  const account = h('input', { type: 'text', id: 'new-entry-account' });
  const secret = h('input', { type: 'text', id: 'new-entry-secret', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'characters' });
  const algorithm = h('select', { id: 'new-entry-algorithm' }, ['SHA1', 'SHA256', 'SHA512'].map((a) => h('option', { value: a }, a.replace('SHA', 'SHA-'))));
  const digits = h('select', { id: 'new-entry-digits' }, ['6', '7', '8'].map((d) => h('option', { value: d }, d)));
  const period = h('input', { type: 'number', id: 'new-entry-period', value: '30', min: '1', max: '300' });

  const submit = (entry, button) => busy(button, async () => {
    clearError(box);
    try {
      const added = await call('vault_add', { entry, pin: pin.value || null });
      app.show(render, { back, notice: `${added.entry.issuer || added.entry.account} was added.${added.note ? ` ${added.note}` : ''}` }, 'vault');
    } catch (e) { showError(box, e); }
  });
  const fromImage = (blob, button) => {
    const reader = new FileReader();
    reader.onload = () => submit({ source: 'qr_image', image_base64: String(reader.result).split(',')[1] || '' }, button);
    reader.readAsDataURL(blob);
  };
  const addUri = h('button', { type: 'button', class: 'secondary', id: 'add-uri', onclick: (ev) => submit({ source: 'uri', uri: uri.value }, ev.currentTarget) }, 'Add from link');
  const addFile = h('button', { type: 'button', class: 'secondary', id: 'add-file', onclick: (ev) => {
    if (!file.files.length) { showError(box, { message: 'Choose an image of the QR code first.' }); return; }
    fromImage(file.files[0], ev.currentTarget);
  } }, 'Add from image');
  const addManual = h('button', { type: 'button', class: 'secondary', id: 'add-manual', onclick: (ev) => submit({
    source: 'manual', issuer: issuer.value, account: account.value, secret: secret.value,
    algorithm: algorithm.value, digits: Number(digits.value), period: Number(period.value),
  }, ev.currentTarget) }, 'Add');

  // On phones and tablets (the barcode-scanner plugin exists only in mobile builds).
  const scanner = window.__TAURI__ && window.__TAURI__.barcodeScanner;
  const scan = scanner ? h('section', { class: 'card' }, h('h2', {}, 'Scan the QR code'),
    h('button', { type: 'button', class: 'primary', id: 'scan-qr', onclick: (ev) => busy(ev.currentTarget, async () => {
      try {
        const r = await scanner.scan({ formats: [scanner.Format.QRCode] });
        await submit({ source: 'uri', uri: r.content }, ev.currentTarget);
      } catch (e) { showError(box, { message: `The camera could not scan the code: ${e.message || e}. Try again, or add it another way below.` }); }
    }) }, 'Scan with the camera')) : null;

  const page = h('div', { class: 'page' },
    h('p', {}, h('a', { href: '#vault', onclick: (ev) => { ev.preventDefault(); app.show(render, { back }, 'vault'); } }, '← Authenticator')),
    h('h1', {}, 'Add an account'),
    box,
    h('section', { class: 'card' }, h('h2', {}, 'PIN (optional)'),
      field('PIN for this account', pin, 'On a shared device, a PIN of 4 to 12 digits keeps this account\'s codes hidden from others.')),
    scan,
    h('section', { class: 'card' }, h('h2', {}, 'From a QR code'),
      field('Image of the QR code', file, 'Or copy a screenshot of the QR code and paste it here (Ctrl+V).'), addFile),
    h('section', { class: 'card' }, h('h2', {}, 'From a link'), field('otpauth:// link', uri), addUri),
    h('section', { class: 'card' }, h('h2', {}, 'By hand'),
      field('Service', issuer), field('Account', account), field('Key', secret, 'The setup key the service shows, letters A–Z and digits 2–7.'),
      h('details', {}, h('summary', {}, 'Advanced'), field('Algorithm', algorithm), field('Digits', digits), field('Period (seconds)', period)),
      addManual));
  page.addEventListener('paste', (ev) => {
    const item = [...(ev.clipboardData ? ev.clipboardData.items : [])].find((i) => i.type.startsWith('image/'));
    if (item) { ev.preventDefault(); fromImage(item.getAsFile(), addFile); }
  });
  return page;
}

/** Import a list of links, an Aegis plain export or a Twostep export; export (not on shared). */
function transfer(app, { back } = {}) {
  const box = errorBox();
  const text = h('textarea', { id: 'import-text', rows: '6', spellcheck: 'false' });
  const password = h('input', { type: 'password', id: 'import-password', autocomplete: 'off' });
  const report = h('div', { id: 'import-report', role: 'status' });
  const doImport = h('button', { type: 'button', class: 'primary', id: 'do-import', onclick: () => busy(doImport, async () => {
    clearError(box);
    try {
      const r = await call('vault_import', { text: text.value, password: password.value || null });
      report.replaceChildren(
        h('p', {}, `${r.added} ${r.added === 1 ? 'account' : 'accounts'} added.${r.short_secrets ? ` ${r.short_secrets} use a short secret (under 128 bits).` : ''}`),
        ...(r.problems.length ? [h('ul', { class: 'problems' }, r.problems.map((p) => h('li', {}, `${p.item}: ${p.reason}`)))] : []));
    } catch (e) { showError(box, e); }
  }) }, 'Import');
  const expPassword = h('input', { type: 'password', id: 'export-password', autocomplete: 'new-password' });
  const out = h('textarea', { id: 'export-text', rows: '6', readonly: true, hidden: true });
  const warn = h('p', { class: 'notice', hidden: true, id: 'export-warning' });
  const exp = (kind) => async (ev) => busy(ev.currentTarget, async () => {
    clearError(box);
    try {
      const r = await call('vault_export', { kind, password: expPassword.value || null });
      out.value = r.text; out.hidden = false;
      warn.textContent = r.warning || ''; warn.hidden = !r.warning;
      out.select();
    } catch (e) { showError(box, e); }
  });
  return h('div', { class: 'page' },
    h('p', {}, h('a', { href: '#vault', onclick: (ev) => { ev.preventDefault(); app.show(render, { back }, 'vault'); } }, '← Authenticator')),
    h('h1', {}, 'Import or export'), box,
    h('section', { class: 'card' }, h('h2', {}, 'Import'),
      field('Paste otpauth:// links (one a line), an Aegis plain JSON export, or a Twostep export', text),
      field('Password (Twostep encrypted exports only)', password), doImport, report),
    h('section', { class: 'card' }, h('h2', {}, 'Export'),
      h('p', { class: 'hint' }, 'Not available on a shared classroom device, or while an account has a PIN.'),
      field('Password for an encrypted export (8 characters or more)', expPassword),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', id: 'export-encrypted', onclick: exp('encrypted') }, 'Export encrypted'),
        h('button', { type: 'button', class: 'ghost', id: 'export-uris', onclick: exp('uris') }, 'Export as plain links')),
      warn, out));
}

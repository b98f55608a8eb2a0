// "2-Step Verification" in the profile: the methods, add another, delete (never the last),
// edit (add the new address, then delete the old), and the preferred method.

import { call } from './api.js';
import { h, errorBox, showError, busy, KIND_LABEL, when } from './dom.js';
import * as setup from './setup.js';

export function render(app, { replacing, added } = {}) {
  const box = errorBox();
  const list = h('ul', { class: 'methods', id: 'method-list', 'aria-label': 'Your verification methods' }, h('li', { class: 'loading' }, 'Loading your methods…'));
  const addBtn = h('button', { type: 'button', id: 'add-method', class: 'primary', disabled: true }, 'Add a verification method');
  const banner = replacing
    ? h('div', { class: 'card notice', id: 'replace-banner', role: 'status' }, `Your new method is ready. Now delete the old one: ${replacing.hint}.`)
    : null;

  load();

  async function load() {
    let data;
    try {
      data = await app.guard(call('my_methods'));
    } catch (e) {
      if (!e.handled) showError(box, e);
      return;
    }
    addBtn.disabled = false;
    addBtn.onclick = () => app.show(setup.choose, { mode: 'add', allowed: data.allowed_kinds, email: app.me && app.me.person.email }, 'add-method');
    const only = data.methods.length === 1;
    list.replaceChildren(...(data.methods.length
      ? data.methods.map((m) => row(m, data, only))
      : [h('li', { class: 'empty' }, 'You have no verification methods yet. Add one to protect your account.')]));
    if (replacing) {
      const del = list.querySelector(`[data-method="${CSS.escape(replacing.id)}"] .delete`);
      if (del) del.focus();
    }
  }

  function row(m, data, only) {
    const preferred = m.id === data.preferred_method_id;
    const actions = h('div', { class: 'row-actions' });
    const onlyNote = only ? h('p', { class: 'hint', id: `only-${m.id}` }, 'This is your only method, so it can\'t be deleted. Add another method first.') : null;
    // A kind the center has since switched off: kept and shown, but it can't sign in.
    const offNote = m.allowed === false
      ? h('p', { class: 'notice warning method-off', id: `off-${m.id}` },
        only
          ? 'Your center no longer allows this method, so it can\'t be used to sign in. Add another method, then delete this one.'
          : 'Your center no longer allows this method, so it can\'t be used to sign in. You can delete it.')
      : null;
    const del = h('button', {
      type: 'button', class: 'danger delete', disabled: only,
      'aria-describedby': only ? `only-${m.id}` : null,
      'aria-label': `Delete ${KIND_LABEL[m.kind]} ${m.hint}`,
      onclick: () => confirmDelete(m, li, actions),
    }, 'Delete');
    if (!preferred && data.methods.length > 1 && m.allowed !== false) {
      actions.append(h('button', {
        type: 'button', class: 'secondary prefer', 'aria-label': `Make ${m.hint} preferred`,
        onclick: (ev) => busy(ev.currentTarget, async () => {
          try { await app.guard(call('set_preferred', { methodId: m.id })); app.toast(`${m.hint} is now your preferred method.`); load(); }
          catch (e) { if (!e.handled) showError(box, e); }
        }),
      }, 'Make preferred'));
    }
    if (m.kind !== 'totp' && m.allowed !== false) {
      actions.append(h('button', {
        type: 'button', class: 'secondary edit', 'aria-label': `Change ${m.hint}`,
        onclick: () => explainEdit(m, data, li, actions),
      }, 'Edit'));
    }
    actions.append(del);
    const li = h('li', { class: 'method', 'data-method': m.id, 'data-kind': m.kind, 'data-allowed': String(m.allowed !== false), 'aria-describedby': offNote ? `off-${m.id}` : null },
      h('div', { class: 'method-main' },
        h('strong', {}, KIND_LABEL[m.kind], preferred ? h('span', { class: 'badge' }, 'Preferred') : null),
        m.hint !== KIND_LABEL[m.kind] ? h('span', { class: 'method-hint' }, m.hint) : null,
        h('span', { class: 'hint' }, `Added ${when(m.created_at)} · Last used ${when(m.last_used_at)}`)),
      offNote, actions, onlyNote);
    return li;
  }

  /** Editing an address = add the new one, then delete the old one. */
  function explainEdit(m, data, li, actions) {
    const what = m.kind === 'sms' ? 'phone number' : 'email address';
    const panel = h('div', { class: 'confirm', role: 'group', 'aria-label': `Change ${m.hint}` },
      h('p', {}, `To change this ${what}, add the new one first, then delete this one. That way you can always sign in.`),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary', id: 'edit-add-new', autofocus: true, onclick: () => app.show(setup.choose, { mode: 'add', allowed: data.allowed_kinds, replacing: m }, 'add-method') }, `Add the new ${what}`),
        h('button', { type: 'button', class: 'ghost', onclick: () => { panel.remove(); actions.hidden = false; } }, 'Cancel')));
    actions.hidden = true;
    li.append(panel);
    panel.querySelector('button').focus();
  }

  function confirmDelete(m, li, actions) {
    const yes = h('button', {
      type: 'button', class: 'danger', id: 'confirm-delete',
      onclick: () => busy(yes, async () => {
        try {
          await app.guard(call('delete_method', { methodId: m.id }));
          app.toast(`${KIND_LABEL[m.kind]} ${m.hint} was deleted.`);
          app.show(render, {}, 'methods');
        } catch (e) {
          if (e.handled) return;
          panel.remove();
          actions.hidden = false;
          showError(box, e);
        }
      }),
    }, 'Delete');
    const panel = h('div', { class: 'confirm', role: 'alertdialog', 'aria-label': 'Confirm deletion' },
      h('p', {}, `Delete ${KIND_LABEL[m.kind].toLowerCase()} ${m.hint}? You won't be able to use it to sign in.`),
      h('div', { class: 'actions' }, yes, h('button', { type: 'button', class: 'ghost', onclick: () => { panel.remove(); actions.hidden = false; actions.querySelector('.delete').focus(); } }, 'Cancel')));
    actions.hidden = true;
    li.append(panel);
    yes.focus();
  }

  return h('div', { class: 'page' },
    h('h1', {}, '2-Step Verification'),
    h('p', {}, 'When you sign in, you\'ll enter a code from one of these after your password.'),
    banner,
    added && !replacing ? h('p', { class: 'notice success', role: 'status' }, `${KIND_LABEL[added.kind]} ${added.hint} was added.`) : null,
    box,
    list,
    addBtn);
}

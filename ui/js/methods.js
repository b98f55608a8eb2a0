// "2-Step Verification" in the profile: the methods, add another, delete (never the last),
// edit (add the new address, then delete the old), and the preferred method.

import { request } from './transport.js';
import { h, errorBox, showError, busy, kindLabel, when, methodLabel, methodHint } from './dom.js';
import { t } from './i18n.js';
import * as setup from './setup.js';
import * as recovery from './recovery.js';
import { fresh } from './reauth.js';

export function render(app, { replacing, added, makeCodes } = {}) {
  const box = errorBox();
  const list = h('ul', { class: 'methods', id: 'method-list', 'aria-label': t('methods.list_label') }, h('li', { class: 'loading' }, t('methods.loading')));
  const addBtn = h('button', { type: 'button', id: 'add-method', class: 'primary', disabled: true }, t('methods.add'));
  const banner = replacing
    ? h('div', { class: 'card notice', id: 'replace-banner', role: 'status' }, t('methods.replace_banner', { hint: replacing.hint }))
    : null;

  load();

  async function load() {
    let data;
    try {
      data = await app.guard(request('GET', '/me/methods'));
    } catch (e) {
      if (!e.handled) showError(box, e);
      return;
    }
    addBtn.disabled = false;
    addBtn.onclick = () => app.show(setup.choose, { mode: 'add', allowed: data.allowed_kinds, email: app.me && app.me.person.email }, 'add-method');
    const only = data.methods.length === 1;
    list.replaceChildren(...(data.methods.length
      ? data.methods.map((m) => row(m, data, only))
      : [h('li', { class: 'empty' }, t('methods.empty'))]));
    if (replacing) {
      const del = list.querySelector(`[data-method="${CSS.escape(replacing.id)}"] .delete`);
      if (del) del.focus();
    }
  }

  function row(m, data, only) {
    const preferred = m.id === data.preferred_method_id;
    const actions = h('div', { class: 'row-actions' });
    const onlyNote = only ? h('p', { class: 'hint', id: `only-${m.id}` }, t('methods.only_method')) : null;
    // A kind the center has since switched off: kept and shown, but it can't sign in.
    const offNote = m.allowed === false
      ? h('p', { class: 'notice warning method-off', id: `off-${m.id}` },
        only
          ? t('methods.off_only')
          : t('methods.off'))
      : null;
    const del = h('button', {
      type: 'button', class: 'danger delete', disabled: only,
      'aria-describedby': only ? `only-${m.id}` : null,
      'aria-label': t('methods.delete_label', { method: methodLabel(m) }),
      onclick: () => confirmDelete(m, li, actions),
    }, t('methods.delete'));
    if (!preferred && data.methods.length > 1 && m.allowed !== false) {
      actions.append(h('button', {
        type: 'button', class: 'secondary prefer', 'aria-label': t('methods.prefer_label', { method: methodLabel(m) }),
        onclick: (ev) => busy(ev.currentTarget, async () => {
          try { await fresh(app, () => request('PUT', '/me/preferred-method', { method_id: m.id })); app.toast(t('methods.preferred_toast', { method: methodLabel(m) })); load(); }
          catch (e) { if (!e.handled) showError(box, e); }
        }),
      }, t('methods.prefer')));
    }
    // Only an address is edited (add the new, delete the old); a passkey is added anew.
    if ((m.kind === 'email' || m.kind === 'sms') && m.allowed !== false) {
      actions.append(h('button', {
        type: 'button', class: 'secondary edit', 'aria-label': t('methods.change_label', { hint: m.hint }),
        onclick: () => explainEdit(m, data, li, actions),
      }, t('methods.edit')));
    }
    actions.append(del);
    const li = h('li', { class: 'method', 'data-method': m.id, 'data-kind': m.kind, 'data-allowed': String(m.allowed !== false), 'aria-describedby': offNote ? `off-${m.id}` : null },
      h('div', { class: 'method-main' },
        h('strong', {}, kindLabel(m.kind), preferred ? h('span', { class: 'badge' }, t('methods.preferred')) : null),
        methodHint(m) ? h('span', { class: 'method-hint' }, methodHint(m)) : null,
        h('span', { class: 'hint' }, t('methods.added_used', { added: when(m.created_at), last_used: when(m.last_used_at) }))),
      offNote, actions, onlyNote);
    return li;
  }

  /** Editing an address = add the new one, then delete the old one. */
  function explainEdit(m, data, li, actions) {
    const sms = m.kind === 'sms';
    const panel = h('div', { class: 'confirm', role: 'group', 'aria-label': t('methods.change_label', { hint: m.hint }) },
      h('p', {}, t(sms ? 'methods.edit_explain_sms' : 'methods.edit_explain_email')),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary', id: 'edit-add-new', autofocus: true, onclick: () => app.show(setup.choose, { mode: 'add', allowed: data.allowed_kinds, replacing: m }, 'add-method') }, t(sms ? 'methods.edit_add_new_sms' : 'methods.edit_add_new_email')),
        h('button', { type: 'button', class: 'ghost', onclick: () => { panel.remove(); actions.hidden = false; } }, t('methods.cancel'))));
    actions.hidden = true;
    li.append(panel);
    panel.querySelector('button').focus();
  }

  function confirmDelete(m, li, actions) {
    const yes = h('button', {
      type: 'button', class: 'danger', id: 'confirm-delete',
      onclick: () => busy(yes, async () => {
        try {
          await fresh(app, () => request('DELETE', `/me/methods/${encodeURIComponent(m.id)}`));
          app.show(render, {}, 'methods');
          app.toast(t('methods.deleted', { method: methodLabel(m) }));
        } catch (e) {
          if (e.handled) return;
          panel.remove();
          actions.hidden = false;
          showError(box, e);
        }
      }),
    }, t('methods.delete'));
    const panel = h('div', { class: 'confirm', role: 'alertdialog', 'aria-label': t('methods.confirm_delete_label') },
      h('p', {}, t('methods.confirm_delete', { method: methodLabel(m) })),
      h('div', { class: 'actions' }, yes, h('button', { type: 'button', class: 'ghost', onclick: () => { panel.remove(); actions.hidden = false; actions.querySelector('.delete').focus(); } }, t('methods.cancel'))));
    actions.hidden = true;
    li.append(panel);
    yes.focus();
  }

  const codes = recoveryCodes(app, box, makeCodes);

  return h('div', { class: 'page' },
    h('h1', {}, t('methods.title')),
    h('p', {}, t('methods.intro')),
    banner,
    added && !replacing ? h('p', { class: 'notice success', role: 'status' }, t('methods.added', { method: methodLabel(added) })) : null,
    box,
    list,
    addBtn,
    codes);
}

/** Recovery codes: how many are left (a warning at two or fewer), and "Make new recovery
 *  codes" behind a confirmation, since the old ones stop working. */
function recoveryCodes(app, box, openNow) {
  const state = h('p', { id: 'recovery-state' });
  const made = h('p', { class: 'hint', id: 'recovery-made' });
  const low = h('p', { class: 'notice warning', id: 'recovery-low', hidden: true });
  const make = h('button', { type: 'button', id: 'make-codes', class: 'secondary', onclick: () => confirmMake() }, t('methods.make_codes'));
  const actions = h('div', { class: 'actions' }, make);
  const section = h('section', { class: 'card', id: 'recovery', 'aria-labelledby': 'recovery-h' },
    h('h2', { id: 'recovery-h' }, t('methods.recovery_title')),
    h('p', {}, t('methods.recovery_intro')),
    state, made, low, actions);

  request('GET', '/me/recovery-codes').then((s) => {
    state.textContent = s.created_at ? t('methods.recovery_left', { count: s.remaining }) : t('methods.recovery_none');
    made.textContent = s.created_at ? t('methods.recovery_made', { when: when(s.created_at) }) : '';
    low.hidden = !s.created_at || s.remaining > 2;
    if (!low.hidden) low.textContent = t('methods.recovery_low', { count: s.remaining });
  }).catch((e) => { if (e.code !== 'unauthenticated') showError(box, e); });

  function confirmMake() {
    const yes = h('button', {
      type: 'button', class: 'primary', id: 'confirm-make-codes',
      onclick: () => busy(yes, async () => {
        try {
          const r = await fresh(app, () => request('POST', '/me/recovery-codes'));
          if (app.me) app.me.recovered = false;
          app.show(recovery.save, { codes: r.codes, next: () => app.show(render, {}, 'methods') }, 'recovery-codes');
        } catch (e) {
          if (e.handled) return;
          panel.remove();
          actions.hidden = false;
          showError(box, e);
        }
      }),
    }, t('methods.make_codes_confirm'));
    const panel = h('div', { class: 'confirm', role: 'alertdialog', 'aria-label': t('methods.make_codes_label') },
      h('p', {}, t('methods.make_codes_warning')),
      h('div', { class: 'actions' }, yes, h('button', { type: 'button', class: 'ghost', onclick: () => { panel.remove(); actions.hidden = false; make.focus(); } }, t('methods.cancel'))));
    actions.hidden = true;
    section.append(panel);
    yes.focus();
  }
  if (openNow) setTimeout(confirmMake, 0);
  return section;
}

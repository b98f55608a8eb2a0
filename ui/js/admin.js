// Administration: find people (search as you type, filter by enrolment), a person's page with
// "2-Step Verification > Reset", the center's allowed methods, and the audit trail.

import { call } from './api.js';
import { h, field, errorBox, showError, clearError, busy, KIND_LABEL, when } from './dom.js';

const ROLE = { staff: 'Staff', guardian: 'Family', admin: 'Administrator' };

export function render(app, { query = '', filter = '' } = {}) {
  const box = errorBox();
  const q = h('input', { type: 'search', id: 'people-query', value: query, autocomplete: 'off', placeholder: 'Name or email' });
  const f = h('select', { id: 'people-filter' },
    h('option', { value: '' }, 'Everyone'),
    h('option', { value: 'enrolled' }, '2-Step Verification on'),
    h('option', { value: 'not_enrolled' }, '2-Step Verification off'));
  f.value = filter;
  const results = h('ul', { class: 'people', id: 'people', 'aria-live': 'polite' });
  let timer;
  const search = async () => {
    clearError(box);
    try {
      const res = await app.guard(call('admin_people', { query: { query: q.value.trim() || null, two_step: f.value || null } }));
      results.replaceChildren(...(res.people.length ? res.people.map((p) => h('li', {},
        h('button', { type: 'button', class: 'person', 'data-email': p.email, onclick: () => app.show(person, { id: p.id, back: { query: q.value, filter: f.value } }, 'admin-person') },
          h('strong', {}, p.name),
          h('span', {}, p.email),
          h('span', { class: 'hint' }, p.roles.map((r) => ROLE[r]).join(', '), ' · ', p.two_step.enabled ? '2-Step Verification on' : '2-Step Verification off'))))
        : [h('li', { class: 'empty' }, 'No one matches. Try part of a name or email.')]));
    } catch (e) { if (!e.handled) showError(box, e); }
  };
  q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(search, 250); });
  f.addEventListener('change', search);
  search();

  return h('div', { class: 'page' },
    h('h1', {}, 'Administration'),
    h('section', { class: 'card', 'aria-labelledby': 'people-h' },
      h('h2', { id: 'people-h' }, 'People'),
      h('form', { class: 'filters', role: 'search', onsubmit: (ev) => { ev.preventDefault(); search(); } },
        field('Find by name or email', q), field('Show', f)),
      box, results),
    policy(app),
    audit(app));
}

function person(app, { id, back, result }) {
  const box = errorBox();
  const body = h('div', {}, h('p', { class: 'loading' }, 'Loading…'));
  (async () => {
    let p;
    try { p = await app.guard(call('admin_person', { personId: id })); } catch (e) { if (!e.handled) showError(box, e); return; }
    const ts = p.two_step;
    const reset = h('button', { type: 'button', class: 'danger', id: 'reset-2sv', disabled: !ts.enabled && !ts.methods.length }, 'Reset');
    const section = h('section', { class: 'card', 'aria-labelledby': 'p-2sv' },
      h('h2', { id: 'p-2sv' }, '2-Step Verification'),
      h('p', { id: 'person-2sv' }, ts.enabled ? `On · ${ts.methods.map((m) => `${KIND_LABEL[m.kind]} (${m.hint})`).join(', ')}` : 'Off'),
      h('p', { class: 'hint' }, 'Reset removes all of this person\'s methods and signs them out everywhere. Staff must set up 2-Step Verification again at their next sign-in.'),
      reset);
    reset.onclick = () => {
      reset.hidden = true;
      const yes = h('button', {
        type: 'button', class: 'danger', id: 'confirm-reset',
        onclick: () => busy(yes, async () => {
          try {
            await app.guard(call('admin_reset', { personId: p.id }));
            app.show(person, { id, back, result: `2-Step Verification was reset for ${p.name}. They've been emailed, and will set it up again at their next sign-in.` }, 'admin-person');
          } catch (e) { if (!e.handled) { showError(box, e); confirm.remove(); reset.hidden = false; } }
        }),
      }, 'Reset 2-Step Verification');
      const confirm = h('div', { class: 'confirm', role: 'alertdialog', 'aria-label': 'Confirm reset' },
        h('p', {}, `Reset 2-Step Verification for ${p.name}? Their methods are removed and they are signed out.`),
        h('div', { class: 'actions' }, yes, h('button', { type: 'button', class: 'ghost', onclick: () => { confirm.remove(); reset.hidden = false; reset.focus(); } }, 'Cancel')));
      section.append(confirm);
      yes.focus();
    };
    body.replaceChildren(
      h('h1', { id: 'person-name' }, p.name),
      result ? h('p', { class: 'notice success', id: 'reset-result', role: 'status' }, result) : null,
      h('p', {}, p.email, ' · ', p.roles.map((r) => ROLE[r]).join(', '), p.shared ? ' · Shared classroom account' : ''),
      section);
    const r = body.querySelector('#reset-result');
    if (r) { r.setAttribute('tabindex', '-1'); r.focus(); }
  })();
  return h('div', { class: 'page' },
    h('p', {}, h('a', { href: '#admin', id: 'back-to-people', onclick: (ev) => { ev.preventDefault(); app.show(render, back || {}, 'admin'); } }, '← People')),
    box, body);
}

function policy(app) {
  const box = errorBox('policy-error');
  const save = h('button', { type: 'submit', class: 'secondary', id: 'save-policy' }, 'Save');
  const boxes = ['totp', 'email', 'sms'].map((k) => h('input', { type: 'checkbox', name: 'kind', value: k, id: `allow-${k}` }));
  (async () => {
    try {
      const p = await app.guard(call('admin_policy'));
      boxes.forEach((b) => { b.checked = p.allowed_kinds.includes(b.value); });
    } catch (e) { if (!e.handled) showError(box, e); }
  })();
  return h('section', { class: 'card', 'aria-labelledby': 'policy-h' },
    h('h2', { id: 'policy-h' }, 'Allowed methods'),
    h('form', {
      onsubmit: (ev) => {
        ev.preventDefault();
        const allowed = boxes.filter((b) => b.checked).map((b) => b.value);
        if (!allowed.length) { showError(box, { message: 'Allow at least one method, or no one could set up 2-Step Verification.' }); return; }
        busy(save, async () => {
          clearError(box);
          try { await app.guard(call('admin_set_policy', { allowedKinds: allowed })); app.toast('Allowed methods saved.'); }
          catch (e) { if (!e.handled) showError(box, e); }
        });
      },
    },
      h('fieldset', {}, h('legend', {}, 'People at your center may use'),
        boxes.map((b) => h('label', { class: 'check', for: b.id }, b, KIND_LABEL[b.value]))),
      box, save));
}

function audit(app) {
  const box = errorBox('audit-error');
  const rows = h('tbody', {});
  (async () => {
    try {
      const log = await app.guard(call('admin_audit', { personId: null }));
      rows.replaceChildren(...log.events.slice(0, 100).map((e) => h('tr', {},
        h('td', {}, when(e.at)), h('td', {}, e.action.replaceAll('_', ' ')), h('td', {}, e.detail))));
    } catch (e) { if (!e.handled) showError(box, e); }
  })();
  return h('section', { class: 'card', 'aria-labelledby': 'audit-h' },
    h('h2', { id: 'audit-h' }, 'Audit trail'),
    box,
    h('div', { class: 'table-wrap' }, h('table', { id: 'audit' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'When'), h('th', { scope: 'col' }, 'What'), h('th', { scope: 'col' }, 'Details'))),
      rows)));
}

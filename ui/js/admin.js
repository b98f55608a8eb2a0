// Administration: the rollout overview and resets waiting for approval (admin_overview.js),
// find people (search as you type, filter by enrolment; "Add a person", admin_add.js), a
// person's page with "2-Step Verification > Reset", "One-day pass" (admin_day_pass.js) and
// their account, the center's policy, and the audit trail
// (admin_audit.js).

import { request, withQuery } from './transport.js';
import { h, fill, field, errorBox, showError, clearError, busy, kindLabel, when, methodLabel } from './dom.js';
import { t } from './i18n.js';
import { fresh } from './reauth.js';
import { overview, pendingResets } from './admin_overview.js';
import { audit } from './admin_audit.js';
import { dayPassSection } from './admin_day_pass.js';
import { addPerson } from './admin_add.js';

/** A role's name (admin.role.staff, .guardian, .admin). */
const role = (r) => t(`admin.role.${r}`);

export function render(app, { query = '', filter = '', auditPerson = '' } = {}) {
  const box = errorBox();
  const q = h('input', { type: 'search', id: 'people-query', value: query, autocomplete: 'off', placeholder: t('admin.search_placeholder') });
  const f = h('select', { id: 'people-filter' },
    h('option', { value: '' }, t('admin.filter_everyone')),
    h('option', { value: 'enrolled' }, t('admin.filter_enrolled')),
    h('option', { value: 'not_enrolled' }, t('admin.filter_not_enrolled')));
  f.value = filter;
  const results = h('ul', { class: 'people', id: 'people', 'aria-live': 'polite' });
  let timer;
  const search = async () => {
    clearError(box);
    try {
      const res = await app.guard(request('GET', withQuery('/admin/people', { query: q.value.trim(), two_step: f.value })));
      results.replaceChildren(...(res.people.length ? res.people.map((p) => h('li', {},
        h('button', { type: 'button', class: 'person', 'data-email': p.email, onclick: () => app.show(person, { id: p.id, back: { query: q.value, filter: f.value } }, 'admin-person') },
          h('strong', {}, p.name,
            p.frozen ? h('span', { class: 'badge warning' }, t('admin.frozen')) : null,
            p.disabled ? h('span', { class: 'badge warning' }, t('admin.disabled')) : null),
          h('span', {}, p.email),
          h('span', { class: 'hint' }, p.roles.map(role).join(', '), ' · ', p.two_step.enabled ? t('admin.status_on') : t('admin.status_off')))))
        : [h('li', { class: 'empty' }, t('admin.no_match'))]));
    } catch (e) { if (!e.handled) showError(box, e); }
  };
  q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(search, 250); });
  f.addEventListener('change', search);
  search();

  const open = (id) => app.show(person, { id, back: { query: q.value, filter: f.value } }, 'admin-person');
  return h('div', { class: 'page' },
    h('h1', {}, t('admin.title')),
    // Resets waiting for approval first: they expire within 24 hours; the statistics keep.
    pendingResets(app, open),
    overview(app, open),
    h('section', { class: 'card', 'aria-labelledby': 'people-h' },
      h('h2', { id: 'people-h' }, t('admin.people')),
      addPerson(app, (p, result) => app.show(person, { id: p.id, back: { query: q.value, filter: f.value }, result }, 'admin-person')),
      h('form', { class: 'filters', role: 'search', onsubmit: (ev) => { ev.preventDefault(); search(); } },
        field(t('admin.find_label'), q), field(t('admin.show_label'), f)),
      box, results),
    policy(app),
    audit(app, { personId: auditPerson }));
}

function person(app, { id, back, result }) {
  const box = errorBox();
  const body = h('div', {}, h('p', { class: 'loading' }, t('admin.loading')));
  (async () => {
    let p;
    try { p = await app.guard(request('GET', `/admin/people/${id}`)); } catch (e) { if (!e.handled) showError(box, e); return; }
    const ts = p.two_step;
    const reset = h('button', { type: 'button', class: 'danger', id: 'reset-2sv', disabled: !ts.enabled && !ts.methods.length }, t('admin.reset'));
    const section = h('section', { class: 'card', 'aria-labelledby': 'p-2sv' },
      h('h2', { id: 'p-2sv' }, t('admin.two_step')),
      h('p', { id: 'person-2sv' }, ts.enabled ? t('admin.two_step_on', { methods: ts.methods.map((m) => methodLabel(m)).join(', ') }) : t('admin.two_step_off')),
      h('p', { class: 'hint' }, t('admin.reset_hint')),
      reset);
    reset.onclick = () => {
      reset.hidden = true;
      const yes = h('button', {
        type: 'button', class: 'danger', id: 'confirm-reset',
        onclick: () => busy(yes, async () => {
          try {
            const res = await fresh(app, () => request('POST', `/admin/people/${p.id}/two-step/reset`));
            // A center whose resets take two administrators answers with a request instead.
            const done = res.request_id
              ? t('admin.reset_requested', { name: p.name, expires: when(res.expires_at) })
              : t('admin.reset_done', { name: p.name });
            app.show(person, { id, back, result: done }, 'admin-person');
          } catch (e) { if (!e.handled) { showError(box, e); confirm.remove(); reset.hidden = false; } }
        }),
      }, t('admin.reset_confirm_button'));
      const confirm = h('div', { class: 'confirm', role: 'alertdialog', 'aria-label': t('admin.reset_confirm_label') },
        h('p', {}, t('admin.reset_confirm', { name: p.name })),
        h('div', { class: 'actions' }, yes, h('button', { type: 'button', class: 'ghost', onclick: () => { confirm.remove(); reset.hidden = false; reset.focus(); } }, t('admin.cancel'))));
      section.append(confirm);
      yes.focus();
    };
    fill(body,
      h('h1', { id: 'person-name' }, p.name),
      result ? h('p', { class: 'notice success', id: 'reset-result', role: 'status' }, result) : null,
      h('p', {}, p.email, ' · ', p.roles.map(role).join(', '), p.shared ? ` · ${t('admin.shared_account')}` : ''),
      p.frozen ? frozenSection(app, p, box, () => app.show(person, { id, back, result: t('admin.unfrozen_done', { name: p.name }) }, 'admin-person')) : null,
      section,
      dayPassSection(app, p, box, (result) => app.show(person, { id, back, result }, 'admin-person')),
      accountSection(app, p, box, (result) => app.show(person, { id, back, result }, 'admin-person')),
      h('p', {}, h('a', {
        href: '#audit-section', id: 'person-events',
        onclick: (ev) => { ev.preventDefault(); app.show(render, { ...(back || {}), auditPerson: p.id }, 'admin'); },
      }, t('admin.person_events', { name: p.name }))));
    const r = body.querySelector('#reset-result');
    if (r) { r.setAttribute('tabindex', '-1'); r.focus(); }
  })();
  return h('div', { class: 'page' },
    h('p', {}, h('a', { href: '#admin', id: 'back-to-people', onclick: (ev) => { ev.preventDefault(); app.show(render, back || {}, 'admin'); } }, t('admin.back_to_people'))),
    box, body);
}

/** The account itself: sign out everywhere (2-Step Verification kept), and disable or enable,
 *  each behind a confirmation. */
function accountSection(app, p, box, done) {
  const section = h('section', { class: 'card', id: 'account', 'aria-labelledby': 'account-h' },
    h('h2', { id: 'account-h' }, t('admin.account_title')),
    p.disabled ? h('p', { class: 'notice warning', id: 'disabled-note' }, t('admin.disabled_note', { name: p.name })) : null);
  const actions = h('div', { class: 'actions' });
  // `danger`: the confirming button is red for what locks the person out (Disable).
  const confirmThen = (button, question, label, yesText, work, danger = false) => {
    actions.hidden = true;
    const yes = h('button', {
      type: 'button', class: danger ? 'danger' : 'primary', id: 'confirm-account-action',
      onclick: () => busy(yes, async () => {
        try { done(await work()); } catch (e) { if (!e.handled) { showError(box, e); panel.remove(); actions.hidden = false; button.focus(); } }
      }),
    }, yesText);
    const panel = h('div', { class: 'confirm', role: 'alertdialog', 'aria-label': label },
      h('p', {}, question),
      h('div', { class: 'actions' }, yes, h('button', { type: 'button', class: 'ghost', onclick: () => { panel.remove(); actions.hidden = false; button.focus(); } }, t('admin.cancel'))));
    section.append(panel);
    yes.focus();
  };
  const endAll = h('button', {
    type: 'button', class: 'secondary', id: 'end-sessions',
    onclick: () => confirmThen(endAll, t('admin.end_sessions_confirm', { name: p.name }), t('admin.end_sessions_label'), t('admin.end_sessions'),
      async () => { await app.guard(request('POST', `/admin/people/${p.id}/sessions/end`)); return t('admin.end_sessions_done', { name: p.name }); }),
  }, t('admin.end_sessions'));
  const toggle = h('button', {
    type: 'button', class: p.disabled ? 'secondary' : 'danger', id: p.disabled ? 'enable' : 'disable',
    onclick: () => confirmThen(toggle,
      t(p.disabled ? 'admin.enable_confirm' : 'admin.disable_confirm', { name: p.name }),
      t(p.disabled ? 'admin.enable_label' : 'admin.disable_label'),
      t(p.disabled ? 'admin.enable' : 'admin.disable'),
      async () => {
        await app.guard(request('POST', `/admin/people/${p.id}/${p.disabled ? 'enable' : 'disable'}`));
        return t(p.disabled ? 'admin.enabled_done' : 'admin.disabled_done', { name: p.name });
      }, !p.disabled),
  }, t(p.disabled ? 'admin.enable' : 'admin.disable'));
  if (!p.disabled) actions.append(endAll);
  actions.append(toggle);
  section.append(actions);
  return section;
}

/** A person who froze their account ("This wasn't me"): what it means, and Unfreeze behind a
 *  confirmation, once the administrator has talked with them. */
function frozenSection(app, p, box, done) {
  const unfreeze = h('button', { type: 'button', class: 'primary', id: 'unfreeze' }, t('admin.unfreeze'));
  const section = h('section', { class: 'card notice warning', id: 'frozen', 'aria-labelledby': 'frozen-h' },
    h('h2', { id: 'frozen-h' }, t('admin.frozen_title')),
    h('p', {}, t('admin.frozen_body', { name: p.name })),
    unfreeze);
  unfreeze.onclick = () => {
    unfreeze.hidden = true;
    const yes = h('button', {
      type: 'button', class: 'primary', id: 'confirm-unfreeze',
      onclick: () => busy(yes, async () => {
        try {
          await app.guard(request('POST', `/admin/people/${p.id}/unfreeze`));
          done();
        } catch (e) { if (!e.handled) { showError(box, e); confirm.remove(); unfreeze.hidden = false; unfreeze.focus(); } }
      }),
    }, t('admin.unfreeze_confirm_button'));
    const confirm = h('div', { class: 'confirm', role: 'alertdialog', 'aria-label': t('admin.unfreeze_confirm_label') },
      h('p', {}, t('admin.unfreeze_confirm', { name: p.name })),
      h('div', { class: 'actions' }, yes, h('button', { type: 'button', class: 'ghost', onclick: () => { confirm.remove(); unfreeze.hidden = false; unfreeze.focus(); } }, t('admin.cancel'))));
    section.append(confirm);
    yes.focus();
  };
  return section;
}

function policy(app) {
  const box = errorBox('policy-error');
  // Off until the policy has loaded: saving the boxes' defaults would change it unseen.
  const save = h('button', { type: 'submit', class: 'secondary', id: 'save-policy', disabled: true }, t('admin.save'));
  const boxes = ['totp', 'email', 'sms', 'passkey'].map((k) => h('input', { type: 'checkbox', name: 'kind', value: k, id: `allow-${k}` }));
  const twoAdmins = h('input', { type: 'checkbox', id: 'reset-two', 'aria-describedby': 'reset-two-hint' });
  const families = h('input', { type: 'checkbox', id: 'guardians-required', 'aria-describedby': 'guardians-required-hint' });
  const passkeyAlone = h('input', { type: 'checkbox', id: 'passkey-alone', 'aria-describedby': 'passkey-alone-hint' });
  const passes = h('input', { type: 'number', id: 'passes-per-month', min: '0', max: '31', step: '1', inputmode: 'numeric' });
  const zone = h('input', { type: 'text', id: 'time-zone', autocomplete: 'off', spellcheck: 'false', list: 'time-zones' });
  // "Don't ask for a code on this device": days per role; administrators are always asked.
  const rememberDays = REMEMBER_ROLES.map((r) => h('input', { type: 'number', id: `remember-${r}`, name: r, min: '0', max: '90', step: '1', inputmode: 'numeric' }));
  const rememberBox = errorBox('remember-error');
  // The browser's own list of zones where it has one; any IANA name is accepted.
  const zones = h('datalist', { id: 'time-zones' },
    (typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : []).map((z) => h('option', { value: z })));
  // Each role's floor: the weakest kind of method its people may sign in with.
  const floors = FLOOR_ROLES.map((r) => h('select', { id: `floor-${r}`, name: r },
    h('option', { value: 'any' }, t('admin.floor.any')),
    h('option', { value: 'authenticator' }, t('admin.floor.authenticator')),
    h('option', { value: 'passkey' }, t('admin.floor.passkey'))));
  (async () => {
    try {
      const p = await app.guard(request('GET', '/admin/policy'));
      boxes.forEach((b) => { b.checked = p.allowed_kinds.includes(b.value); });
      twoAdmins.checked = p.reset_approvals === 2;
      families.checked = !!p.guardians_required;
      passkeyAlone.checked = p.passkey_sign_in !== false;
      floors.forEach((f) => { f.value = (p.min_method && p.min_method[f.name]) || 'any'; });
      passes.value = p.passes_per_month ?? 3;
      zone.value = p.time_zone || 'UTC';
      rememberDays.forEach((d) => { d.value = (p.remember_days && p.remember_days[d.name]) ?? 0; });
      save.disabled = false;
    } catch (e) { if (!e.handled) showError(box, e); }
  })();
  return h('section', { class: 'card', id: 'policy', 'aria-labelledby': 'policy-h' },
    h('h2', { id: 'policy-h' }, t('admin.policy_title')),
    // The form's own messages, not the browser's bubbles (which not every reader announces).
    h('form', {
      novalidate: true,
      onsubmit: (ev) => {
        ev.preventDefault();
        const allowed = boxes.filter((b) => b.checked).map((b) => b.value);
        if (!allowed.length) { showError(box, { message: t('admin.policy_none') }); return; }
        clearError(rememberBox);
        const wrongDays = rememberDays.find((d) => !/^[0-9]{1,2}$/.test(d.value.trim()) || Number(d.value) > 90);
        if (wrongDays) { showError(rememberBox, { message: t('admin.policy_remember_range') }); wrongDays.focus(); return; }
        busy(save, async () => {
          clearError(box);
          try {
            await fresh(app, () => request('PUT', '/admin/policy', {
              allowed_kinds: allowed, reset_approvals: twoAdmins.checked ? 2 : 1, guardians_required: families.checked,
              passkey_sign_in: passkeyAlone.checked, min_method: Object.fromEntries(floors.map((f) => [f.name, f.value])),
              passes_per_month: passes.value === '' ? undefined : Number(passes.value), time_zone: zone.value.trim() || 'UTC',
              remember_days: Object.fromEntries(rememberDays.map((d) => [d.name, Number(d.value)])),
            }));
            app.toast(t('admin.policy_saved'));
          } catch (e) { if (!e.handled) showError(box, e); }
        });
      },
    },
      h('fieldset', {}, h('legend', {}, t('admin.policy_legend')),
        boxes.map((b) => h('label', { class: 'check', for: b.id }, b, kindLabel(b.value)))),
      h('fieldset', {}, h('legend', {}, t('admin.policy_rules')),
        h('label', { class: 'check', for: twoAdmins.id }, twoAdmins, t('admin.policy_two_admins')),
        h('p', { class: 'hint', id: 'reset-two-hint' }, t('admin.policy_two_admins_hint')),
        h('label', { class: 'check', for: families.id }, families, t('admin.policy_families')),
        h('p', { class: 'hint', id: 'guardians-required-hint' }, t('admin.policy_families_hint'))),
      h('fieldset', {}, h('legend', {}, t('admin.policy_passkeys')),
        h('label', { class: 'check', for: passkeyAlone.id }, passkeyAlone, t('admin.policy_passkey_alone')),
        h('p', { class: 'hint', id: 'passkey-alone-hint' }, t('admin.policy_passkey_alone_hint'))),
      h('fieldset', { 'aria-describedby': 'floors-hint' }, h('legend', {}, t('admin.policy_floors')),
        h('p', { class: 'hint', id: 'floors-hint' }, t('admin.policy_floors_hint')),
        floors.map((f) => field(t(`admin.overview.role_group.${f.name}`), f))),
      h('fieldset', {}, h('legend', {}, t('admin.policy_passes')),
        field(t('admin.policy_passes_per_month'), passes, t('admin.policy_passes_hint')),
        field(t('admin.policy_time_zone'), zone, t('admin.policy_time_zone_hint')), zones),
      h('fieldset', { 'aria-describedby': 'remember-hint' }, h('legend', {}, t('admin.policy_remember')),
        h('p', { class: 'hint', id: 'remember-hint' }, t('admin.policy_remember_hint')),
        rememberDays.map((d) => field(t(`admin.policy_remember_role.${d.name}`), d)),
        rememberBox),
      box, save));
}

/** The roles whose devices may be remembered (administrators' never are). */
const REMEMBER_ROLES = ['guardian', 'staff'];

/** The roles whose floor the policy sets, in the order an administrator reads them. */
const FLOOR_ROLES = ['staff', 'guardian', 'admin'];

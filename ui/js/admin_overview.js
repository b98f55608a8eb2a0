// The rollout at a glance, at the top of Administration: the counts, a bar per role (the
// numbers are text; the bars are decoration), who must still set up 2-Step Verification with
// "Send reminders", and the resets waiting for a second administrator's approval.

import { request } from './transport.js';
import { h, fill, errorBox, showError, clearError, busy, when } from './dom.js';
import { t, number } from './i18n.js';
import { fresh } from './reauth.js';
import { showPass } from './admin_day_pass.js';

/** Roles in the order an administrator thinks of them. */
const ROLES = ['staff', 'admin', 'guardian'];

/** The overview; `open(personId)` shows a person's page. */
export function overview(app, open) {
  const box = errorBox('overview-error');
  const body = h('div', {}, h('p', { class: 'loading' }, t('admin.loading')));
  const load = async () => {
    let r;
    try { r = await app.guard(request('GET', '/admin/report')); } catch (e) { if (!e.handled) showError(box, e); return; }
    fill(body,
      h('dl', { class: 'stats', id: 'overview-counts' },
        stat('people', t('admin.overview.people'), r.people),
        stat('enrolled', t('admin.overview.enrolled'), r.enrolled),
        stat('not-enrolled', t('admin.overview.not_enrolled'), r.not_enrolled),
        stat('skipped', t('admin.overview.skipped_once'), r.skipped_once),
        stat('frozen', t('admin.overview.frozen'), r.frozen),
        stat('disabled', t('admin.overview.disabled'), r.disabled),
        stat('below-floor', t('admin.overview.below_floor'), r.below_floor || 0)),
      // How the counts relate: the first three add up; the others are counted in them too.
      h('p', { class: 'hint', id: 'overview-counts-note' }, r.enrolled + r.not_enrolled === r.people
        ? t('admin.overview.counts_add_up', { people: number(r.people), enrolled: number(r.enrolled), not_enrolled: number(r.not_enrolled) })
        : t('admin.overview.counts_differ')),
      // Methods the center's floor per role (or a kind switched off) no longer accepts.
      r.below_floor ? h('p', { class: 'notice warning', id: 'overview-below-floor' }, t('admin.overview.below_floor_note', { count: r.below_floor })) : null,
      h('h3', { id: 'overview-roles-h' }, t('admin.overview.by_role')),
      h('ul', { class: 'bars', id: 'overview-roles', 'aria-labelledby': 'overview-roles-h' },
        ROLES.filter((role) => r.by_role[role]).map((role) => bar(role, r.enrolled_by_role[role] || 0, r.by_role[role]))),
      // A person with two roles is in two bars: the bars' totals then exceed People.
      ROLES.reduce((sum, role) => sum + (r.by_role[role] || 0), 0) > r.people
        ? h('p', { class: 'hint', id: 'overview-roles-note' }, t('admin.overview.roles_overlap'))
        : null,
      h('p', { class: 'hint', id: 'overview-kinds' }, t('admin.overview.methods', {
        list: ['totp', 'email', 'sms', 'passkey'].map((k) => t('admin.overview.kind_count', { kind: t(`common.kind.${k}`), count: number(r.by_kind[k] || 0) })).join(t('home.list_separator')),
      })),
      mustEnroll(app, r.required_not_enrolled, open));
  };
  load();
  return h('section', { class: 'card', id: 'overview', 'aria-labelledby': 'overview-h' },
    h('h2', { id: 'overview-h' }, t('admin.overview.title')), box, body);
}

function stat(id, label, n) {
  return h('div', { class: 'stat', id: `stat-${id}` }, h('dt', {}, label), h('dd', {}, number(n)));
}

/** "Staff: 3 of 8 set up", and a bar a screen reader skips (the sentence says it all). */
function bar(role, enrolled, total) {
  const pct = total ? Math.round((enrolled / total) * 100) : 0;
  const fillEl = h('span', { class: 'rollout-fill' });
  // Through the CSSOM: the content security policy forbids inline style attributes.
  fillEl.style.width = `${pct}%`;
  return h('li', { class: 'bar-row', 'data-role': role },
    h('span', { class: 'bar-label' }, t('admin.overview.role_line', { role: t(`admin.overview.role_group.${role}`), enrolled: number(enrolled), total: number(total), percent: pct })),
    h('span', { class: 'rollout-bar', 'aria-hidden': 'true' }, fillEl));
}

/** Who must use 2-Step Verification and has no method, and "Send reminders". */
function mustEnroll(app, people, open) {
  const status = h('p', { id: 'reminders-status', role: 'status' });
  const box = errorBox('reminders-error');
  if (!people.length) {
    return h('div', { id: 'must-enroll' }, h('p', { class: 'notice success' }, t('admin.overview.all_enrolled')));
  }
  const send = h('button', {
    type: 'button', class: 'primary', id: 'send-reminders',
    onclick: () => busy(send, async () => {
      clearError(box);
      try {
        const res = await app.guard(request('POST', '/admin/reminders'));
        status.textContent = res.sent ? t('admin.overview.reminders_sent', { count: res.sent }) : t('admin.overview.reminders_none');
      } catch (e) { if (!e.handled) showError(box, e); }
    }),
  }, t('admin.overview.send_reminders'));
  return h('div', { id: 'must-enroll' },
    h('h3', { id: 'must-enroll-h' }, t('admin.overview.must_enroll', { count: people.length })),
    h('p', { class: 'hint' }, t('admin.overview.reminders_hint')),
    h('ul', { class: 'people compact', 'aria-labelledby': 'must-enroll-h' }, people.map((p) => h('li', {},
      h('button', { type: 'button', class: 'person', 'data-email': p.email, onclick: () => open(p.id) },
        h('strong', {}, p.name), h('span', {}, p.email),
        h('span', { class: 'hint' }, p.roles.map((r) => t(`admin.role.${r}`)).join(', ')))))),
    box, send, status);
}

/** Resets and one-day passes another administrator asked for, waiting for a second one;
 *  empty when none. */
export function pendingResets(app, open) {
  const box = errorBox('requests-error');
  const section = h('section', { class: 'card', id: 'reset-requests', 'aria-labelledby': 'requests-h', hidden: true });
  const load = async () => {
    let list;
    try { list = (await app.guard(request('GET', '/admin/reset-requests'))).requests; } catch (e) { if (!e.handled) { section.hidden = false; showError(box, e); } return; }
    section.hidden = !list.length;
    const me = app.me && app.me.person ? app.me.person.id : null;
    fill(section,
      h('h2', { id: 'requests-h' }, t('admin.requests.title')),
      h('p', { class: 'hint' }, t('admin.requests.intro')),
      box,
      h('p', { id: 'requests-status', role: 'status' }, done),
      h('ul', { class: 'requests' }, list.map((r) => requestItem(app, r, r.requested_by.id === me, box, approved, open))));
  };
  let done = '';
  // After an approval the list is read again; the result is said where focus goes.
  const approved = async (text) => {
    done = text;
    await load();
    const heading = section.hidden ? document.getElementById('overview-h') : section.querySelector('#requests-h');
    if (heading) { heading.setAttribute('tabindex', '-1'); heading.focus(); }
    if (section.hidden) app.toast(text);
  };
  load();
  return section;
}

function requestItem(app, r, mine, box, approved, open) {
  // A reset, or a one-day pass (whose approver is shown the pass to read to the person).
  const pass = r.kind === 'day_pass';
  const item = h('li', { class: 'request', 'data-email': r.person.email, 'data-kind': r.kind || 'reset' },
    h('p', {}, h('strong', {}, r.person.name), ' · ', r.person.email,
      h('span', { class: 'badge' }, t(pass ? 'admin.requests.kind_day_pass' : 'admin.requests.kind_reset'))),
    h('p', { class: 'hint' }, t('admin.requests.asked', { admin: r.requested_by.name, when: when(r.created_at), expires: when(r.expires_at) })));
  if (mine) {
    item.append(h('p', { class: 'hint' }, t(pass ? 'admin.requests.yours_pass' : 'admin.requests.yours')));
    return item;
  }
  const approve = h('button', {
    type: 'button', class: pass ? 'primary' : 'danger',
    'aria-label': t(pass ? 'admin.requests.approve_pass_label' : 'admin.requests.approve_label', { name: r.person.name }),
  }, t(pass ? 'admin.requests.approve_pass' : 'admin.requests.approve'));
  approve.onclick = () => {
    approve.hidden = true;
    const yes = h('button', {
      type: 'button', class: pass ? 'primary confirm-approve' : 'danger confirm-approve',
      onclick: () => busy(yes, async () => {
        clearError(box);
        try {
          const res = await fresh(app, () => request('POST', `/admin/reset-requests/${r.id}/approve`));
          if (pass) {
            item.querySelectorAll('.actions, .confirm').forEach((el) => el.remove());
            showPass(item, r.person.name, res, () => approved(''));
            return;
          }
          await approved(t('admin.reset_done', { name: r.person.name }));
        } catch (e) { if (!e.handled) { showError(box, e); panel.remove(); approve.hidden = false; approve.focus(); } }
      }),
    }, t(pass ? 'admin.day_pass.issue_confirm_button' : 'admin.reset_confirm_button'));
    const question = `approve-q-${r.id}`;
    const panel = h('div', { class: 'confirm', role: 'alertdialog', 'aria-label': t(pass ? 'admin.day_pass.issue_label' : 'admin.reset_confirm_label'), 'aria-describedby': question },
      h('p', { id: question }, t(pass ? 'admin.requests.approve_pass_confirm' : 'admin.requests.approve_confirm', { name: r.person.name, admin: r.requested_by.name })),
      h('div', { class: 'actions' }, yes,
        h('button', { type: 'button', class: 'ghost', onclick: () => { panel.remove(); approve.hidden = false; approve.focus(); } }, t('admin.cancel'))));
    item.append(panel);
    yes.focus();
  };
  item.append(h('div', { class: 'actions' }, approve,
    h('button', { type: 'button', class: 'ghost', 'aria-label': t('admin.requests.view_person_label', { name: r.person.name }), onclick: () => open(r.person.id) }, t('admin.requests.view_person'))));
  return item;
}

// The audit trail: newest first, filtered by person and by action, a page at a time ("Load
// more"), and "Export CSV" through the system's Save dialog, worded as it is shown.

import { call } from './api.js';
import { request, withQuery, inApp, download } from './transport.js';
import { csvText } from './csv.js';
import { h, field, errorBox, showError, clearError, busy, kindLabel, when } from './dom.js';
import { t, has, locale } from './i18n.js';
import { ACTIONS } from './audit_actions.js';

/** Events per page on screen, and per request when exporting. */
const PAGE = 100;
const EXPORT_PAGE = 1000;

const role = (r) => t(`admin.role.${r}`);

/** An audit action's name (admin.action.<action>); one the catalog lacks reads as its code. */
export const actionLabel = (a) => (has(`admin.action.${a}`) ? t(`admin.action.${a}`) : a.replaceAll('_', ' '));

/**
 * An audit event's details in the reader's language: the method's kind and hint and why (a
 * reason code), the roles of a person added, the kinds a policy allows, how many reminders.
 * An event recorded before these existed shows its English sentence.
 */
export function auditDetail(e) {
  const parts = [];
  if (e.kind) parts.push(kindLabel(e.kind));
  if (e.hint && !(e.kind === 'totp')) parts.push(e.hint);
  if (e.reason && has(`admin.reason.${e.reason}`)) parts.push(t(`admin.reason.${e.reason}`));
  const codes = (e.detail || '').split(',').filter(Boolean);
  if (e.action === 'person_added' && codes.every((c) => has(`admin.role.${c}`))) parts.push(codes.map(role).join(', '));
  if (e.action === 'policy_changed' && codes.every((c) => has(`common.kind.${c}`))) parts.push(codes.map(kindLabel).join(', '));
  if (e.action === 'reminders_sent' && /^\d+$/.test(e.detail)) parts.push(t('admin.audit.reminder_count', { count: Number(e.detail) }));
  if (e.action === 'reset_approvals_changed' && /^[12]$/.test(e.detail)) parts.push(t('admin.audit.approvals', { count: Number(e.detail) }));
  if (e.action === 'guardians_required_changed' && has(`admin.audit.guardians.${e.detail}`)) parts.push(t(`admin.audit.guardians.${e.detail}`));
  return parts.length ? parts.join(' · ') : e.detail;
}

/** Whether two events in a row say the same thing again (twenty wrong passwords): one row,
 *  "Wrong password × 20", from the oldest to the newest. The CSV keeps every event. */
function sameEvent(a, b) {
  return ['action', 'person_id', 'actor_id', 'kind', 'hint', 'reason', 'detail'].every((k) => (a[k] ?? null) === (b[k] ?? null));
}

/** The audit section; `personId` starts it filtered to one person (and takes focus). */
export function audit(app, { personId = '' } = {}) {
  const box = errorBox('audit-error');
  const status = h('p', { id: 'audit-status', role: 'status' });
  const who = h('select', { id: 'audit-person' }, h('option', { value: '' }, t('admin.audit.everyone')));
  const what = h('select', { id: 'audit-action' }, h('option', { value: '' }, t('admin.audit.every_action')),
    ACTIONS.map((a) => [a, actionLabel(a)]).sort((x, y) => x[1].localeCompare(y[1], locale()))
      .map(([a, label]) => h('option', { value: a }, label)));
  const rows = h('tbody', {});
  const more = h('button', { type: 'button', class: 'secondary', id: 'audit-more', hidden: true }, t('admin.audit.load_more'));
  const exportCsv = h('button', { type: 'button', class: 'secondary', id: 'audit-export' }, t('admin.audit.export'));
  const heading = h('h2', { id: 'audit-h' }, t('admin.audit_title'));
  const names = new Map();
  const name = (id) => (id ? names.get(id) || t('admin.audit.someone') : '');
  let next = null;
  // Each reload of the first page; an answer to an older one (a filter changed since) is dropped.
  let generation = 0;

  const query = (before, limit) => ({ person_id: who.value || null, action: what.value || null, before, limit });
  const row = (e) => [when(e.at), name(e.person_id), actionLabel(e.action), e.actor_id && e.actor_id !== e.person_id ? name(e.actor_id) : '', auditDetail(e)];
  const columns = () => [t('admin.col_when'), t('admin.col_who'), t('admin.col_what'), t('admin.col_by'), t('admin.col_details')];
  // The last row shown, to which the same event again (the next page's first) is added.
  let last = null;
  let shown = 0;
  const draw = (group) => {
    const [at, person, action, by, detail] = row(group.event);
    const cells = [
      group.count > 1 ? [at, h('span', { class: 'since' }, t('admin.audit.since', { oldest: when(group.oldest) }))] : at,
      person,
      group.count > 1 ? t('admin.audit.repeated', { action, count: group.count }) : action,
      by, detail];
    const labels = columns();
    // The column's name on each cell: shown before it when a phone stacks the row's cells.
    group.tr.replaceChildren(...cells.map((c, i) => h('td', { role: 'cell', 'data-label': labels[i] }, c)));
    group.tr.dataset.count = String(group.count);
  };
  const append = (events) => {
    for (const e of events) {
      shown += 1;
      if (last && sameEvent(last.event, e)) { last.count += 1; last.oldest = e.at; draw(last); continue; }
      last = { event: e, count: 1, oldest: e.at, tr: h('tr', { role: 'row' }) };
      draw(last);
      rows.append(last.tr);
    }
  };
  const page = async (before) => {
    clearError(box);
    const mine = before ? generation : ++generation;
    try {
      const log = await app.guard(request('GET', withQuery('/admin/audit', query(before, PAGE))));
      if (mine !== generation) return;
      if (!before) { rows.replaceChildren(); last = null; shown = 0; }
      append(log.events);
      if (!before && !log.events.length) rows.append(h('tr', { class: 'empty-row' }, h('td', { colspan: 5, class: 'empty' }, t('admin.audit.none'))));
      next = log.next_before ?? null;
      more.hidden = next === null;
      status.textContent = t(next === null ? 'admin.audit.shown_all' : 'admin.audit.shown', { count: shown });
    } catch (e) { if (!e.handled) showError(box, e); }
  };
  more.onclick = () => busy(more, async () => {
    const count = rows.children.length;
    await page(next);
    // Keyboard and screen reader users land on the first new event, not back at the top.
    const first = rows.children[count] && rows.children[count].firstElementChild;
    if (first) { first.setAttribute('tabindex', '-1'); first.focus(); }
  });
  exportCsv.onclick = () => busy(exportCsv, async () => {
    clearError(box);
    status.textContent = t('admin.audit.exporting');
    try {
      const all = [];
      let before = null;
      do {
        const log = await app.guard(request('GET', withQuery('/admin/audit', query(before, EXPORT_PAGE))));
        all.push(...log.events.map((e) => [e.at, ...row(e).slice(1)]));
        before = log.next_before ?? null;
      } while (before !== null);
      const header = columns();
      const day = new Date().toISOString().slice(0, 10);
      const fileName = `${t('admin.audit.file_name')}-${day}.csv`;
      const text = csvText(header, all);
      // The app asks where to save (the system's dialog); a browser downloads it.
      const saved = inApp ? await app.guard(call('save_audit_csv', { fileName, text })) : download(fileName, text, 'text/csv');
      status.textContent = saved ? t('admin.audit.exported', { count: all.length }) : '';
    } catch (e) { status.textContent = ''; if (!e.handled) showError(box, e); }
  });
  who.addEventListener('change', () => page(null));
  what.addEventListener('change', () => page(null));

  (async () => {
    try {
      const res = await app.guard(request('GET', '/admin/people'));
      const people = res.people.slice().sort((a, b) => a.name.localeCompare(b.name, locale()));
      for (const p of people) names.set(p.id, p.name);
      who.append(...people.map((p) => h('option', { value: p.id }, `${p.name} (${p.email})`)));
      who.value = personId;
    } catch (e) { if (!e.handled) showError(box, e); }
    await page(null);
    // Opened from a person's page: the trail, filtered to them, is what they came for.
    if (personId) { heading.setAttribute('tabindex', '-1'); heading.focus(); heading.scrollIntoView(); }
  })();

  return h('section', { class: 'card', id: 'audit-section', 'aria-labelledby': 'audit-h' },
    heading,
    h('form', { class: 'filters', role: 'search', 'aria-label': t('admin.audit.filters'), onsubmit: (ev) => ev.preventDefault() },
      field(t('admin.audit.person_label'), who), field(t('admin.audit.action_label'), what)),
    box,
    // Explicit roles: a phone shows the rows as stacks (display: block), which would otherwise
    // lose the table's semantics in WebKit.
    h('div', { class: 'table-wrap' }, h('table', { id: 'audit', role: 'table' },
      h('caption', { class: 'visually-hidden' }, t('admin.audit.caption')),
      h('thead', {}, h('tr', { role: 'row' },
        columns().map((c) => h('th', { scope: 'col', role: 'columnheader' }, c)))),
      rows)),
    h('div', { class: 'actions' }, more, exportCsv),
    status);
}

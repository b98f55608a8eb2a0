// "One-day pass" on an administrator's person page, beside "Reset 2-Step Verification": what
// each is for, the live pass (who issued it, until when) with "Revoke", and issuing one. The
// pass is shown once, large, to read aloud; the server never shows it again.

import { request } from './transport.js';
import { h, showError, busy, when } from './dom.js';
import { t } from './i18n.js';
import { fresh } from './reauth.js';

/** The section for person `p` (as `GET /admin/people/{id}` answers, with `day_pass`).
 *  `box`: the page's error area; `done(text)`: the page again, saying `text`. */
export function dayPassSection(app, p, box, done) {
  const ts = p.two_step;
  const section = h('section', { class: 'card', id: 'day-pass', 'aria-labelledby': 'day-pass-h' },
    h('h2', { id: 'day-pass-h' }, t('admin.day_pass.title')),
    h('p', { class: 'hint', id: 'day-pass-which' }, t('admin.day_pass.which', { name: p.name })));
  // Someone with no method has nothing a pass stands in for: they set one up at sign-in.
  if (!ts.enabled) {
    section.append(h('p', { id: 'day-pass-no-methods' }, t('admin.day_pass.no_methods', { name: p.name })));
    return section;
  }
  const ask = (button, question, label, yesText, work) => {
    button.hidden = true;
    const yes = h('button', {
      type: 'button', class: 'primary', id: 'confirm-day-pass',
      onclick: () => busy(yes, async () => {
        try { await work(); } catch (e) { if (!e.handled) { showError(box, e); panel.remove(); button.hidden = false; button.focus(); } }
      }),
    }, yesText);
    const panel = h('div', { class: 'confirm', role: 'alertdialog', 'aria-label': label },
      h('p', {}, question),
      h('div', { class: 'actions' }, yes, h('button', { type: 'button', class: 'ghost', onclick: () => { panel.remove(); button.hidden = false; button.focus(); } }, t('admin.cancel'))));
    section.append(panel);
    yes.focus();
  };
  if (p.day_pass) {
    const revoke = h('button', { type: 'button', class: 'secondary', id: 'revoke-day-pass', 'aria-label': t('admin.day_pass.revoke_label') }, t('admin.day_pass.revoke'));
    revoke.onclick = () => ask(revoke, t('admin.day_pass.revoke_confirm', { name: p.name }), t('admin.day_pass.revoke_label'), t('admin.day_pass.revoke'), async () => {
      await fresh(app, () => request('DELETE', `/admin/people/${p.id}/day-pass`));
      done(t('admin.day_pass.revoked_done', { name: p.name }));
    });
    section.append(
      h('p', { id: 'day-pass-live' }, t('admin.day_pass.live', { expires: when(p.day_pass.expires_at), admin: p.day_pass.issued_by.name })),
      revoke);
    return section;
  }
  const issue = h('button', { type: 'button', class: 'primary', id: 'issue-day-pass', 'aria-label': t('admin.day_pass.issue_label') }, t('admin.day_pass.issue'));
  issue.onclick = () => ask(issue, t('admin.day_pass.issue_confirm', { name: p.name }), t('admin.day_pass.issue_label'), t('admin.day_pass.issue_confirm_button'), async () => {
    const res = await fresh(app, () => request('POST', `/admin/people/${p.id}/day-pass`));
    // A center whose resets take two administrators answers with a request instead.
    if (res.request_id) { done(t('admin.day_pass.requested', { name: p.name, expires: when(res.expires_at) })); return; }
    showPass(section, p.name, res, () => done(''));
  });
  section.append(issue);
  return section;
}

/** The pass, once, large and grouped for reading aloud, and its expiry; "Done" moves on.
 *  Exported for the approval of a waiting request (admin_overview.js). */
export function showPass(container, name, res, onDone) {
  container.querySelectorAll('.confirm, #issue-day-pass').forEach((el) => el.remove());
  const hide = h('button', { type: 'button', class: 'secondary', id: 'day-pass-done', onclick: onDone }, t('admin.day_pass.hide'));
  const shown = h('div', { class: 'day-pass-shown notice success', id: 'day-pass-shown', role: 'status', tabindex: '-1' },
    h('h3', {}, t('admin.day_pass.shown_h', { name })),
    // Each group read on its own: screen readers spell the characters of a `code` group.
    h('p', { class: 'day-pass-value', id: 'day-pass-value' },
      res.pass.split('-').map((g) => h('code', {}, g))),
    h('p', { id: 'day-pass-expiry' }, t('admin.day_pass.shown_once', { expires: when(res.expires_at) })),
    hide);
  container.append(shown);
  shown.focus();
}

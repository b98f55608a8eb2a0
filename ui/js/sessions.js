// "Where you're signed in": the person's sessions, this device first among equals, each other
// one with "Sign out", and "Sign out everywhere else" (a tablet left signed in at school); then
// the devices that don't ask for a code, each with "Forget this device".

import { request, inApp } from './transport.js';
import { t, relativeTime, dateTime } from './i18n.js';
import { h, errorBox, showError, busy, fill, serverNow } from './dom.js';

export function section(app) {
  const box = errorBox('sessions-error');
  const list = h('ul', { class: 'sessions', id: 'session-list', 'aria-label': t('sessions.list_label') }, h('li', { class: 'loading' }, t('sessions.loading')));
  const others = h('button', {
    type: 'button', id: 'end-others', class: 'secondary', hidden: true,
    onclick: () => busy(others, async () => {
      try {
        await app.guard(request('POST', '/me/sessions/end-others'));
        app.toast(t(inApp ? 'sessions.ended_others' : 'sessions.ended_others_browser'));
        await load();
        heading.focus();
      } catch (e) { if (!e.handled) showError(box, e); }
    }),
  }, t('sessions.end_others'));

  async function load() {
    let data;
    try {
      data = await app.guard(request('GET', '/me/sessions'));
    } catch (e) {
      if (!e.handled) showError(box, e);
      fill(list);
      return;
    }
    fill(list, data.sessions.map(row));
    others.hidden = data.sessions.length < 2;
    const kept = data.remembered || [];
    fill(remembered, kept.map(rememberedRow));
    rememberedPart.hidden = kept.length === 0;
  }

  function rememberedRow(r) {
    const device = r.device_name || t('sessions.unknown_device');
    const forget = h('button', {
      type: 'button', class: 'secondary forget-device', 'data-remembered': r.id,
      'aria-label': t('sessions.forget_label', { device }),
      onclick: (ev) => busy(ev.currentTarget, async () => {
        try {
          await app.guard(request('DELETE', `/me/remembered/${encodeURIComponent(r.id)}`));
          app.toast(t('sessions.forgotten', { device }));
          await load();
          heading.focus();
        } catch (e) { if (!e.handled) showError(box, e); }
      }),
    }, t('sessions.forget'));
    return h('li', { class: 'session remembered', 'data-current': String(r.current) },
      h('div', { class: 'method-main' },
        h('strong', {}, device, r.current ? h('span', { class: 'badge' }, t(inApp ? 'sessions.this_device' : 'sessions.this_browser')) : null),
        h('span', { class: 'hint' }, t('sessions.remembered_until', { when: dateTime(r.expires_at) }))),
      forget);
  }

  function row(s) {
    const device = s.device_name || t('sessions.unknown_device');
    const end = s.current ? null : h('button', {
      type: 'button', class: 'danger end-session', 'data-session': s.id,
      'aria-label': t('sessions.end_label', { device }),
      onclick: (ev) => busy(ev.currentTarget, async () => {
        try {
          await app.guard(request('DELETE', `/me/sessions/${encodeURIComponent(s.id)}`));
          app.toast(t('sessions.ended', { device }));
          // The row goes: the keyboard goes on from the section's heading.
          await load();
          heading.focus();
        } catch (e) { if (!e.handled) showError(box, e); }
      }),
    }, t('sessions.end'));
    return h('li', { class: 'session', 'data-current': String(s.current) },
      h('div', { class: 'method-main' },
        h('strong', {}, device, s.current ? h('span', { class: 'badge' }, t(inApp ? 'sessions.this_device' : 'sessions.this_browser')) : null),
        h('span', { class: 'hint' }, t('sessions.last_active', { when: relativeTime(s.last_seen_at, serverNow()) })),
        h('span', { class: 'hint' }, t('sessions.signed_in', { when: dateTime(s.created_at) }))),
      end);
  }

  const remembered = h('ul', { class: 'sessions', id: 'remembered-list', 'aria-label': t('sessions.remembered_list_label') });
  const rememberedPart = h('div', { id: 'remembered', hidden: true },
    h('h3', { id: 'remembered-h' }, t('sessions.remembered_title')),
    h('p', {}, t('sessions.remembered_intro')),
    remembered);
  const heading = h('h2', { id: 'sessions-h', tabindex: '-1' }, t('sessions.title'));
  load();
  return h('section', { class: 'card', id: 'sessions', 'aria-labelledby': 'sessions-h' },
    heading,
    h('p', {}, t('sessions.intro')),
    box, list, others, rememberedPart);
}

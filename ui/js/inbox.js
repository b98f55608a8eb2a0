// The demo inbox: every email and text the demo center "sent", newest first.

import { call } from './api.js';
import { t } from './i18n.js';
import { h, errorBox, showError, when, errorText } from './dom.js';

/** A message's text, its "This wasn't me" link made a link that opens in the system browser. */
function linked(body, toast) {
  return body.split(/(https?:\/\/\S+\/freeze\/[A-Za-z0-9_-]+)/).map((part, i) => (i % 2
    ? h('a', { href: part, class: 'freeze-link', onclick: (ev) => { ev.preventDefault(); call('demo_open_link', { url: part }).catch((e) => toast(errorText(e))); } }, part)
    : part));
}

export function render(app) {
  const box = errorBox();
  const list = h('ul', { class: 'inbox', id: 'inbox' }, h('li', { class: 'loading' }, t('inbox.loading')));
  (async () => {
    try {
      const out = await call('demo_inbox');
      const msgs = [...out.messages].reverse();
      list.replaceChildren(...(msgs.length ? msgs.map((m) => h('li', { class: 'message card' },
        h('p', { class: 'hint' }, t(m.channel === 'sms' ? 'inbox.meta_sms' : 'inbox.meta_email', { to: m.to, at: when(m.at) })),
        h('h2', {}, m.subject || t('inbox.sms_subject')),
        h('pre', {}, linked(m.body, (text) => app.toast(text)))))
        : [h('li', { class: 'empty' }, t('inbox.empty'))]));
    } catch (e) { showError(box, e); }
  })();
  return h('div', { class: 'page' }, h('h1', {}, t('inbox.title')), h('p', {}, t('inbox.intro')), box, list);
}

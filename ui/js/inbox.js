// The demo inbox: every email and text the demo center "sent", newest first.

import { call } from './api.js';
import { h, errorBox, showError, when } from './dom.js';

export function render(app) {
  const box = errorBox();
  const list = h('ul', { class: 'inbox', id: 'inbox' }, h('li', { class: 'loading' }, 'Loading…'));
  (async () => {
    try {
      const out = await call('demo_inbox');
      const msgs = [...out.messages].reverse();
      list.replaceChildren(...(msgs.length ? msgs.map((m) => h('li', { class: 'message card' },
        h('p', { class: 'hint' }, `${m.channel === 'sms' ? 'Text' : 'Email'} to ${m.to} · ${when(m.at)}`),
        h('h2', {}, m.subject || 'Text message'),
        h('pre', {}, m.body)))
        : [h('li', { class: 'empty' }, 'Nothing yet. Codes and notices sent by the demo center appear here.')]));
    } catch (e) { showError(box, e); }
  })();
  return h('div', { class: 'page' }, h('h1', {}, 'Demo inbox'), h('p', {}, 'What the demo center sent. A real center delivers these by email and text message.'), box, list);
}

// The language switch: on the sign-in screen and in the signed-in bar.

import { h } from './dom.js';
import { t, locale } from './i18n.js';

/** English / Español, as a labelled select (the sign-in screen and the signed-in bar have one). */
export function languageSwitch(app, id = 'language') {
  const select = h('select', {
    id, class: 'language',
    'aria-label': t('common.language.label'),
    onchange: (ev) => app.changeLanguage(ev.currentTarget.value),
  },
  ['en', 'es'].map((l) => h('option', { value: l, selected: l === locale(), lang: l }, t(`common.language.${l}`))));
  select.value = locale();
  return select;
}


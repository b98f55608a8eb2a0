// The one door to the Rust side. Every command answers a view or rejects with
// {code, message, attempts_left?, retry_after?}; tokens never come this way.

import { t } from './i18n.js';

const core = window.__TAURI__ && window.__TAURI__.core;
const event = window.__TAURI__ && window.__TAURI__.event;

export async function call(cmd, args = {}) {
  if (!core) throw { code: 'no_tauri', message: t('errors.no_tauri') };
  try {
    return await core.invoke(cmd, args);
  } catch (e) {
    if (e && typeof e === 'object' && e.code) throw e;
    throw { code: 'internal', message: String(e) };
  }
}

export function listen(name, handler) {
  return event ? event.listen(name, handler) : Promise.resolve(() => {});
}

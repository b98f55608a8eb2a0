// Every sentence the UI shows comes from a catalog, ui/i18n/en.json or es.json, through t().
// Keys by screen ("signin.title"); placeholders in braces ("{hint}"); plural forms as an
// object chosen with Intl.PluralRules ({ "one": "…", "other": "… {count} …" }). Dates, times
// and numbers go through Intl in the chosen language.

const SUPPORTED = ['en', 'es'];
let current = 'en';
let catalog = {};
let english = {};
// English is every catalog's fallback, so it is always needed: its fetch starts as this module
// loads, beside the app's first question to its shell, not after the answer. setLocale awaits
// it (and reports its failure), calls at once share it, and a failed fetch is tried again by
// the next setLocale.
let englishLoading = load('en');
englishLoading.catch(() => {});

async function load(locale) {
  const res = await fetch(`i18n/${locale}.json`);
  if (!res.ok) throw new Error(`catalog ${locale}: ${res.status}`);
  return res.json();
}

/** The supported language of a tag ("es-MX", "es_US.UTF-8"), or null. */
export function supported(tag) {
  const lang = String(tag || '').split(/[-_.@]/)[0].toLowerCase();
  return SUPPORTED.includes(lang) ? lang : null;
}

/** Loads `locale`'s catalog (English stays loaded as the fallback) and sets <html lang>. */
export async function setLocale(locale) {
  const next = supported(locale) || 'en';
  if (!Object.keys(english).length) {
    englishLoading ||= load('en');
    try {
      english = await englishLoading;
    } catch (e) {
      englishLoading = null;
      throw e;
    }
  }
  catalog = next === 'en' ? english : await load(next);
  current = next;
  document.documentElement.lang = next;
  return next;
}

export function locale() {
  return current;
}

function lookup(table, key) {
  return key.split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), table);
}

/** Whether the catalog has `key` (for optional texts, such as an error code's wording). */
export function has(key) {
  return lookup(catalog, key) !== undefined || lookup(english, key) !== undefined;
}

/** The sentence `key`, with `{name}` placeholders filled from `params`. */
export function t(key, params = {}) {
  let v = lookup(catalog, key);
  if (v === undefined) v = lookup(english, key);
  if (v === undefined) return key;
  if (typeof v === 'object') {
    const form = new Intl.PluralRules(current).select(Number(params.count) || 0);
    v = v[form] !== undefined ? v[form] : v.other;
  }
  return String(v).replace(/\{(\w+)\}/g, (m, name) => (params[name] !== undefined ? String(params[name]) : m));
}

/** A date and time, in the chosen language ("Nov 26, 2026, 11:20 PM" / "26 nov 2026, 23:20"). */
export function dateTime(iso) {
  return new Date(iso).toLocaleString(current, { dateStyle: 'medium', timeStyle: 'short' });
}

/** A whole number in the chosen language. */
export function number(n) {
  return new Intl.NumberFormat(current).format(n);
}

/** How long ago, in the chosen language ("5 minutes ago", "hace 5 minutos", "now"/"ahora"). */
export function relativeTime(iso, nowMs = Date.now()) {
  // Never "in 1 minute": a time a moment ahead (two clocks) is now.
  const secs = Math.min(0, Math.round((new Date(iso).getTime() - nowMs) / 1000));
  const fmt = new Intl.RelativeTimeFormat(current, { numeric: 'auto' });
  const abs = Math.abs(secs);
  if (abs < 60) return fmt.format(0, 'second');
  if (abs < 3600) return fmt.format(Math.round(secs / 60), 'minute');
  if (abs < 86400) return fmt.format(Math.round(secs / 3600), 'hour');
  return fmt.format(Math.round(secs / 86400), 'day');
}

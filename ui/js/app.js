// Twostep's UI: renders what the Rust side says the state is. One screen at a time in <main>;
// the bar and the navigation appear once someone is signed in.

import { call, listen } from './api.js';
import { request, inApp, meOf } from './transport.js';
import { h, setClockOffset, errorText } from './dom.js';
import { t, setLocale, locale } from './i18n.js';
import { languageSwitch } from './language.js';
import * as signin from './signin.js';
import * as setup from './setup.js';
import * as methods from './methods.js';
import * as admin from './admin.js';
import * as inbox from './inbox.js';
import * as home from './home.js';
import * as vault from './vault.js';
import * as handoff from './app_handoff.js';
import * as appPasskey from './app_passkey.js';

const screen = document.getElementById('screen');
const bar = document.getElementById('bar');
const nav = document.getElementById('nav');
const toastEl = document.getElementById('toast');

const app = {
  status: null,
  me: null,
  timers: [],

  /** Shows a screen: `render(app, params)` returns its element. */
  show(render, params = {}, name = '') {
    this.current = { render, params, name };
    this.timers.forEach(clearInterval);
    this.timers = [];
    // Screens with a secret on them are kept out of screen capture where the system allows
    // (asked as the screen is drawn).
    call('screen_shown', { screen: name }).catch(() => {});
    const el = render(this, params);
    screen.replaceChildren(el);
    screen.dataset.screen = name;
    this.chrome(name);
    // The window's title names the screen (what a screen reader says on switching windows); a
    // toast from the screen before would describe something no longer shown.
    const heading = screen.querySelector('h1');
    const product = t('signin.brand');
    document.title = heading ? `${heading.textContent} · ${product}` : product;
    this.hideToast();
    const first = screen.querySelector('[autofocus]') || screen.querySelector('h1');
    if (first) {
      if (first.tagName === 'H1') first.setAttribute('tabindex', '-1');
      first.focus();
    }
  },

  every(ms, fn) {
    fn();
    this.timers.push(setInterval(fn, ms));
  },

  /** A short message in the toast slot under the page (which makes room for it) for 5 s. */
  toast(text) {
    toastEl.textContent = text;
    toastEl.classList.add('on');
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => this.hideToast(), 5000);
  },

  hideToast() {
    clearTimeout(this.toastTimer);
    toastEl.classList.remove('on');
  },

  /** A sign-in step: the API's answer (`verify`, `setup`, or `done` with its person; the
   *  credential stays with the shell), or `recover` and `new_password` from its errors. */
  step(step) {
    if (step.next === 'done') return this.signedIn(step.me || meOf(step));
    if (step.next === 'verify') return signin.verify(this, step);
    if (step.next === 'setup') return this.show(setup.intro, step, 'setup-intro');
    if (step.next === 'recover') return this.show(signin.enterRecovery, { step, locked: true }, 'verify-recovery');
    if (step.next === 'new_password') return this.show(signin.newPassword, { email: step.email }, 'new-password');
  },

  async signedIn(me, notice) {
    this.me = me;
    signedInHere(true);
    // The person's own language, saved on the server, unless one was chosen on this device.
    const own = me && me.person && me.person.locale;
    if (own && own !== locale() && !(this.status && this.status.locale_chosen)) await setLocale(own);
    if (me.keyring_warning) notice = me.keyring_warning;
    // A browser opened on a section's address (#methods, #admin; a reload, a bookmark) goes
    // there; anything else starts at home.
    const [id, render] = this.sections().find(([s]) => `#${s}` === window.location.hash && s !== 'home') || [];
    if (render && !notice) return this.show(render, {}, id);
    this.show(home.render, { notice }, 'home');
  },

  /** The navigation's sections for the person signed in: [id, label, render]. */
  sections() {
    const p = this.me.person;
    const links = [['home', t('app.nav.home'), home.render], ['methods', t('app.nav.methods'), methods.render]];
    if (p.roles.includes('admin')) links.push(['admin', t('app.nav.admin'), admin.render]);
    // The built-in authenticator is the app's: a browser has no keyring to keep it in.
    if (inApp) links.push(['vault', t('app.nav.vault'), vault.render]);
    if (this.status && this.status.server && this.status.server.demo) links.push(['inbox', t('app.nav.inbox'), inbox.render]);
    return links.map(([id, label, render]) => [id, render, label]);
  },

  signedOut(notice) {
    this.me = null;
    signedInHere(false);
    // The next sign-in here (on a shared tablet, the next person's) starts at home, not at the
    // section the last one left.
    if (!inApp && window.location.hash) history.replaceState(null, '', window.location.pathname);
    this.show(signin.render, { notice }, 'sign-in');
  },

  /** Any command failing with "signed out" (a 401) lands on the sign-in screen. */
  async guard(promise) {
    try {
      return await promise;
    } catch (e) {
      if (e.code === 'unauthenticated') {
        this.signedOut(t('app.session_ended'));
        throw { ...e, handled: true };
      }
      throw e;
    }
  },

  async signOut() {
    // The app forgets the keyring's copy even when the server can't be told; a browser's
    // cookie goes with the server's answer.
    await (inApp ? call('sign_out') : request('POST', '/logout')).catch(() => {});
    this.signedOut(t('app.signed_out'));
  },

  /** Changes the app's language now (kept on this device, and on the server once signed in). */
  async changeLanguage(next) {
    try {
      // This device keeps the choice (the app in its settings, a browser in its storage); the
      // server, the person's language for emails and texts.
      if (inApp) await call('set_language', { locale: next });
      else {
        try { localStorage.setItem('twostep-locale', next); } catch (e) { /* for this visit only */ }
      }
      if (this.me) await request('PUT', '/me/locale', { locale: next });
    } catch (e) {
      if (e.code !== 'unauthenticated') this.toast(errorText(e));
    }
    if (this.status) this.status.locale_chosen = true;
    if (this.me && this.me.person) this.me.person.locale = next;
    await setLocale(next);
    this.staticTexts();
    const c = this.current;
    if (c) this.show(c.render, c.params, c.name);
    this.toast(t('common.language.changed'));
  },

  /** The words of index.html itself. */
  staticTexts() {
    document.querySelector('.skip-link').textContent = t('common.skip_link');
    nav.setAttribute('aria-label', t('app.nav.label'));
  },

  async start() {
    try {
      this.status = inApp ? await call('app_status') : await browserStatus();
      setClockOffset(this.status.clock_offset_ms);
      await setLocale(this.status.locale || navigator.language);
    } catch (e) {
      await setLocale(navigator.language).catch(() => {});
      this.staticTexts();
      this.show(signin.server, { notice: errorText(e) }, 'server');
      return;
    }
    this.staticTexts();
    const s = this.status;
    if (!s.server) return this.show(signin.server, {}, 'server');
    // The app's sign-in through this browser (/oauth/authorize sent it here with the app's
    // request): the passkey, then back to the app.
    const asked = !inApp && handoff.requested(window.location.search);
    if (asked) return this.show(handoff.render, { asked }, 'app-handoff');
    // A passkey the app adds or uses through this browser (#app-passkey/…): the dialog here,
    // then back to the app with the credential.
    const forApp = !inApp && appPasskey.requested(window.location.hash);
    if (forApp) {
      history.replaceState(null, '', window.location.pathname);
      return this.show(appPasskey.render, { asked: forApp }, 'app-passkey');
    }
    // An emailed reset link (/reset-password/TOKEN sends the browser to #reset-password/TOKEN)
    // or an invitation's (/invitation/TOKEN): the token leaves the address bar at once.
    const link = !inApp && window.location.hash.match(/^#(reset-password|invitation)\/([A-Za-z0-9_-]{20,100})$/);
    if (link) {
      history.replaceState(null, '', window.location.pathname);
      return this.show(signin.newPassword, { token: link[2], invitation: link[1] === 'invitation' }, 'new-password');
    }
    if (s.me) await this.signedIn(s.me, s.notice);
    else this.show(signin.render, { notice: s.notice }, 'sign-in');
    // Launched with an otpauth:// link: it goes straight to "Add an account".
    await takeLink();
  },

  /** The bar (who, profile, sign out) and navigation, for signed-in screens. */
  chrome(name) {
    const me = this.me;
    // Signed in and not in the middle of signing in: the bar and navigation show.
    const inside = !!me && !['sign-in', 'server', 'new-password', 'verify-pick', 'verify-code', 'verify-recovery', 'setup-intro', 'recovery-codes'].includes(name);
    bar.hidden = nav.hidden = !inside;
    document.body.classList.toggle('in-app', !!inside);
    if (!inside) return;
    const p = me.person;
    const profiles = ['staff', 'guardian'].filter((r) => p.roles.includes(r));
    bar.replaceChildren(...[
      h('div', { class: 'who' },
        h('span', { class: 'logo', 'aria-hidden': 'true' }, '2'),
        h('div', {},
          h('strong', { id: 'who-name' }, p.name),
          h('span', { class: 'center' }, p.center.name))),
      profiles.length > 1
        ? h('div', { class: 'profiles', role: 'group', 'aria-label': t('app.profile') },
            profiles.map((r) => h('button', {
              type: 'button', id: `profile-${r}`, class: 'chip',
              'aria-pressed': String(me.profile === r),
              onclick: () => this.switchProfile(r),
            }, r === 'staff' ? t('app.profile_staff') : t('app.profile_family'))))
        : null,
      languageSwitch(this, 'bar-language'),
      h('button', { type: 'button', id: 'sign-out', class: 'ghost', onclick: () => this.signOut() }, t('app.sign_out')),
    ].filter(Boolean));
    nav.replaceChildren(h('ul', {}, this.sections().map(([id, render, label]) => h('li', {},
      h('a', {
        href: `#${id}`, id: `nav-${id}`,
        'aria-current': section(name) === id ? 'page' : null,
        onclick: (ev) => {
          ev.preventDefault();
          // The address names the section (a reload stays there), without a history entry each.
          if (!inApp) history.replaceState(null, '', `#${id}`);
          this.show(render, {}, id);
        },
      // The full name beside the screen; a short one in a phone's bottom tab bar (CSS picks).
      }, h('span', { class: 'full' }, label), h('span', { class: 'short' }, t(`app.nav.short.${id}`)))))));
  },

  async switchProfile(role) {
    try {
      // The app keeps the profile for its own (its authenticator's) use; the browser's is the page's.
      this.me = inApp ? await call('switch_profile', { profile: role }) : { ...this.me, profile: role };
      this.show(home.render, {}, 'home');
      this.toast(role === 'staff' ? t('app.staff_profile') : t('app.family_profile'));
    } catch (e) {
      this.toast(errorText(e));
    }
  },
};

/** The browser's shell: the server is the page's own; whoever the session cookie names is
 *  signed in (GET /me), else no one. Languages and the demo's accounts are the app's. */
async function browserStatus() {
  let chosen = null;
  try { chosen = localStorage.getItem('twostep-locale'); } catch (e) { /* none chosen */ }
  let me = null;
  try {
    if (signedInHere()) me = meOf({ person: await request('GET', '/me') });
  } catch (e) {
    if (e.code !== 'unauthenticated') throw e;
  }
  return {
    server: { url: window.location.origin, demo: false },
    preset: true, shared: false, shared_managed: false, demo_available: false, demo_accounts: [],
    me, notice: null, clock_offset_ms: 0, locale: chosen, locale_chosen: !!chosen,
  };
}

/** Whether someone signed in in this browser and has not signed out: only then does a start
 *  ask the server who (a 401 on every visit of the sign-in page would be noise in the
 *  browser's console). Not a credential: the session is the HttpOnly cookie, which the server
 *  checks either way. `set`: records it. */
function signedInHere(set) {
  const key = 'twostep-signed-in';
  try {
    if (inApp) return false;
    if (set === true) localStorage.setItem(key, '1');
    else if (set === false) localStorage.removeItem(key);
    return localStorage.getItem(key) === '1';
  } catch (e) {
    // No storage (a private window): ask the server.
    return true;
  }
}

/** Which navigation entry a screen belongs to (adding a method is part of "2-Step Verification"). */
function section(name) {
  if (name === 'add-method' || name === 'recovery-codes' || name.startsWith('setup-')) return 'methods';
  if (name === 'password') return 'home';
  if (name.startsWith('admin')) return 'admin';
  if (name.startsWith('vault')) return 'vault';
  return name;
}

// The heartbeat while someone is signed in: whether the window was used since the last one.
// On a shared classroom device the Rust side ends a session unused for the idle time (5
// minutes unless set otherwise), and the next person finds the sign-in screen.
const HEARTBEAT_MS = 15000;
let lastInput = Date.now();
let lastBeat = Date.now();
for (const kind of ['pointerdown', 'keydown', 'wheel', 'touchstart']) {
  window.addEventListener(kind, () => { lastInput = Date.now(); }, { capture: true, passive: true });
}
setInterval(async () => {
  // Only the app signs a shared device's idle session out; a browser's ends on the server.
  if (!app.me || !inApp) return;
  const active = lastInput > lastBeat;
  lastBeat = Date.now();
  try {
    if (await call('session_alive', { active })) app.signedOut(t('app.idle_signed_out'));
  } catch (e) { /* the next call says what is wrong */ }
}, HEARTBEAT_MS);

/** Screens a link must not pull the person away from: a sign-in, a setup, the recovery codes
 *  shown once. There, the link waits until they open the Authenticator. */
const BUSY = /^(verify-|setup-|recovery-codes|reauth|add-method|new-password)/;

/** An otpauth:// link the app was handed (at launch, or by a second launch): "Add an account",
 *  with the way back to where the person was. */
async function takeLink() {
  let link;
  try { link = await call('take_pending_link'); } catch (e) { return; }
  if (!link) return;
  const here = app.current;
  if (here && BUSY.test(here.name)) {
    vault.holdLink(link);
    app.toast(t('vault.add.link_waiting'));
    return;
  }
  vault.addLink(app, link, here ? () => app.show(here.render, here.params, here.name) : null);
}
listen('otpauth-link', takeLink);
// The setup link handed to "Open in authenticator app" came back to Twostep: no other app here.
listen('otpauth-link-returned', () => app.toast(errorText({ code: 'no_authenticator_app' })));

listen('demo-inbox', () => {
  if (screen.dataset.screen === 'inbox') app.show(inbox.render, {}, 'inbox');
});

app.start();

import { ApiError, createApi, problemText } from './api';
import type { AppConfig, Me } from './contract';
import type { AppContext, View } from './context';
import { h, replace } from './dom';
import { parseRoute, type Route } from './route';
import { createAuth, hostedCallbackOf, type Auth } from './sign-in';
import { dashboardView } from './views/dashboard-view';
import { leadView } from './views/lead-view';
import { queueView } from './views/queue-view';
import { brand, signInView } from './views/sign-in-view';
import { teamView } from './views/team-view';

/** The team app: config, sign-in, then the shell with its hash routes. */

const root = document.getElementById('app')!;

async function boot(): Promise<void> {
  let config: AppConfig;
  try {
    const response = await fetch('/app/config.json', { cache: 'no-store' });
    if (!response.ok) throw new Error(String(response.status));
    config = (await response.json()) as AppConfig;
  } catch {
    replace(root, h('main', { id: 'main', class: 'signin' }, h('div', { class: 'signin-card' }, brand(), h('h1', null, 'The app could not start'), h('p', null, 'Its settings did not load. Reload the page; if it keeps failing, tell ops.'))));
    return;
  }
  const auth = createAuth(config, window.sessionStorage);
  const providers = config.hostedSignIn?.providers ?? [];
  const callback = hostedCallbackOf(location.search);
  if (callback) {
    // The code and state leave the address bar (and the history) before anything else happens.
    history.replaceState(null, '', `${location.pathname}${location.hash}`);
    try {
      const { returnTo } = await auth.completeHostedSignIn(callback);
      // Back to the page the sign-in started on (a lead's page from an email link, say).
      if (returnTo) history.replaceState(null, '', `${location.pathname}${returnTo}`);
    } catch (error) {
      return showSignIn(auth, providers, { problem: error instanceof Error ? error.message : 'Signing in failed. Try again.' });
    }
    return void startApp(auth, providers);
  }
  if (auth.current()) void startApp(auth, providers);
  else showSignIn(auth, providers);
}

type Providers = ReadonlyArray<{ id: string; label: string }>;

function showSignIn(auth: Auth, providers: Providers, { notice, problem }: { notice?: string; problem?: string } = {}): void {
  auth.signOut();
  document.title = 'Sign in · Speed to Lead';
  replace(root, signInView(auth, () => void startApp(auth, providers), notice, { providers, ...(problem ? { problem } : {}) }));
  root.querySelector<HTMLElement>(problem ? '[data-testid="sign-in-error"]' : 'input')?.focus();
}

async function startApp(auth: Auth, providers: Providers): Promise<void> {
  // Declared first: signing out (which stops the view) may happen before the shell is built.
  let view: View | undefined;
  let current: Route | undefined;
  let signedOut = false;
  const toSignIn = (notice?: string) => {
    if (signedOut) return;
    signedOut = true;
    stop();
    showSignIn(auth, providers, notice ? { notice } : {});
  };
  /** Signed in through the company login: its hosted session ends too, or the next click would sign straight back in. */
  const signOut = () => {
    const hostedSignOut = auth.hostedSignOutUrl();
    auth.signOut();
    if (hostedSignOut) {
      signedOut = true;
      stop();
      window.location.assign(hostedSignOut);
    } else toSignIn('You are signed out.');
  };
  const api = createApi(() => auth.token(), () => toSignIn('Your session ended. Sign in again.'));
  auth.keepFresh(() => toSignIn('Your session ended. Sign in again.'));
  let me: Me;
  try {
    me = await api.get<Me>('/app/api/me');
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return;
    // A 403 here says why (no group yet, no rep with this email: a company login's first sign-in), and who can fix it.
    const why = error instanceof ApiError && error.status === 403 && error.message ? `${error.message}.` : problemText(error);
    replace(root, h('main', { id: 'main', class: 'signin' }, h('div', { class: 'signin-card' }, brand(), h('h1', null, 'Could not load your account'), h('p', { role: 'alert', 'data-testid': 'account-problem' }, why),
      h('div', { class: 'account-actions' }, h('button', { class: 'btn', type: 'button', onclick: () => location.reload() }, 'Reload'), h('button', { class: 'btn btn-outline', type: 'button', 'data-testid': 'sign-out', onclick: signOut }, 'Sign out')))));
    return;
  }

  const announcer = h('div', { class: 'vh', 'aria-live': 'polite', 'aria-atomic': 'true', 'data-testid': 'announcer' });
  const main = h('main', { id: 'main', tabindex: '-1' });
  const navLinks: Record<string, HTMLAnchorElement> = {};
  const navItem = (name: string, label: string) => {
    navLinks[name] = h('a', { href: `#/${name}`, class: 'nav-link' }, label);
    return h('li', null, navLinks[name]);
  };
  const manager = me.role === 'manager';
  const skip = h('a', { href: '#main', class: 'skip-link' }, 'Skip to content');
  // A hash link would be read as a route: move focus instead.
  skip.addEventListener('click', (event) => {
    event.preventDefault();
    (main.querySelector<HTMLElement>('h1') ?? main).focus();
  });
  const header = h(
    'header',
    { class: 'topbar' },
    h('div', { class: 'topbar-inner' }, h('a', { href: manager && !me.repId ? '#/dashboard' : '#/queue', class: 'brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '⚡'), 'Speed to Lead'),
      h('nav', { 'aria-label': 'Main' }, h('ul', { class: 'nav' }, navItem('queue', 'Queue'), manager ? navItem('team', 'Team') : null, manager ? navItem('dashboard', 'Dashboard') : null)),
      h('div', { class: 'who' }, h('span', { class: 'who-name', 'data-testid': 'signed-in-as' }, me.name || me.email, h('span', { class: 'who-role' }, manager ? 'Manager' : 'Rep')),
        h('button', { type: 'button', class: 'btn btn-quiet', 'data-testid': 'sign-out', onclick: signOut }, 'Sign out'))),
  );
  replace(root, skip, header, main, announcer);

  let clearAnnouncement: ReturnType<typeof setTimeout> | undefined;
  const context: AppContext = {
    api,
    me,
    announce(message) {
      // Cleared first so the same words said twice are read twice.
      announcer.textContent = '';
      clearTimeout(clearAnnouncement);
      setTimeout(() => (announcer.textContent = message), 50);
      clearAnnouncement = setTimeout(() => (announcer.textContent = ''), 8000);
    },
    navigate(hash, options) {
      if (options?.replace) {
        history.replaceState(null, '', hash);
        route();
      } else location.hash = hash;
    },
  };

  function mount(next: Route): View {
    if (next.name === 'lead') return leadView(context, next.leadId);
    if (next.name === 'team') return manager ? teamView(context) : notAllowed();
    if (next.name === 'dashboard') return manager ? dashboardView(context, next) : notAllowed();
    return queueView(context, next);
  }

  function route(): void {
    if (signedOut) return;
    let next = parseRoute(location.hash);
    // A manager who is not a rep has no queue of their own: the dashboard is their start.
    if (manager && !me.repId && next.name === 'queue' && !next.query.get('rep') && !/^#\/queue/.test(location.hash)) {
      history.replaceState(null, '', '#/dashboard');
      next = parseRoute('#/dashboard');
    }
    for (const [name, link] of Object.entries(navLinks)) {
      if (name === (next.name === 'lead' ? 'queue' : next.name)) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    if (view && current && current.name === next.name && next.name !== 'lead' && view.update) {
      current = next;
      view.update(next);
      return;
    }
    const moving = current !== undefined;
    view?.destroy?.();
    current = next;
    view = mount(next);
    replace(main, view.el);
    document.title = `${view.title} · Speed to Lead`;
    // A new page: focus its heading, as a page load would put the reader at its start.
    if (moving) {
      window.scrollTo(0, 0);
      main.querySelector<HTMLElement>('h1')?.focus({ preventScroll: true });
    }
  }

  function stop() {
    window.removeEventListener('hashchange', route);
    view?.destroy?.();
    view = undefined;
  }

  window.addEventListener('hashchange', route);
  route();
}

function notAllowed(): View {
  return {
    title: 'Not allowed',
    el: h('section', { class: 'page' }, h('h1', { tabindex: '-1' }, 'Not allowed'), h('p', { role: 'alert', 'data-testid': 'not-allowed' }, 'This page is for managers. You are signed in as a rep.'), h('p', null, h('a', { href: '#/queue' }, 'Go to your queue'))),
  };
}

void boot();

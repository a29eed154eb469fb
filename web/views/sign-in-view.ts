import { h, icon, replace, uid } from '../dom';
import { SignInError, type Auth } from '../sign-in';

export interface SignInViewOptions {
  /** A "Sign in with <label>" button each, through the hosted domain (the stage's company identity providers). */
  providers?: ReadonlyArray<{ id: string; label: string }>;
  /** What went wrong on the way back from the company login, shown as an error. */
  problem?: string;
  /** Leaves for the company login (the tests watch it). */
  go?: (url: string) => void;
}

/**
 * The sign-in page: a button per company identity provider, when the stage connects one, and
 * the email and password form for invited users; then the new-password step a first sign-in
 * with a temporary password needs.
 */
export function signInView(auth: Auth, onSignedIn: () => void, notice?: string, options: SignInViewOptions = {}): HTMLElement {
  const go = options.go ?? ((url: string) => window.location.assign(url));
  const main = h('main', { id: 'main', class: 'signin', tabindex: '-1' });
  const card = h('div', { class: 'signin-card' });
  main.append(card);
  passwordStep();
  return main;

  function field(label: string, props: Record<string, string | boolean>) {
    const id = uid('f');
    const input = h('input', { id, ...props });
    return { input, el: h('div', { class: 'field' }, h('label', { for: id }, label), input) };
  }

  function errorBox() {
    return h('p', { class: 'form-error', role: 'alert', tabindex: '-1', 'data-testid': 'sign-in-error', hidden: true });
  }

  function showError(box: HTMLElement, error: unknown) {
    box.hidden = false;
    replace(box, icon('alert'), ' ', error instanceof Error ? error.message : 'Signing in failed. Try again.');
  }

  /** One button per provider: leaving for its login keeps a fresh `state` and PKCE verifier for the way back. */
  function companyLogin(error: HTMLElement): HTMLElement | null {
    const providers = options.providers ?? [];
    if (providers.length === 0) return null;
    const buttons = providers.map((provider) => {
      const button = h('button', { type: 'button', class: 'btn btn-outline btn-block btn-provider', 'data-testid': 'sign-in-provider' }, `Sign in with ${provider.label}`);
      button.addEventListener('click', async () => {
        button.disabled = true;
        try {
          go(await auth.hostedSignInUrl(provider.id, window.location.hash));
        } catch (failure) {
          button.disabled = false;
          showError(error, failure);
        }
      });
      return button;
    });
    return h('div', { class: 'company-login', role: 'group', 'aria-labelledby': 'company-login-title' },
      h('h2', { id: 'company-login-title', class: 'company-login-title' }, 'With your company account'),
      ...buttons,
      h('p', { class: 'or' }, h('span', null, 'or with your email and password')));
  }

  function passwordStep() {
    const email = field('Email', { type: 'email', name: 'email', autocomplete: 'username', required: true, 'data-testid': 'sign-in-email' });
    const password = field('Password', { type: 'password', name: 'password', autocomplete: 'current-password', required: true, 'data-testid': 'sign-in-password' });
    const error = errorBox();
    if (options.problem) showError(error, new Error(options.problem));
    const button = h('button', { type: 'submit', class: 'btn btn-primary btn-block', 'data-testid': 'sign-in-submit' }, 'Sign in');
    const form = h(
      'form',
      { 'aria-labelledby': 'signin-title', novalidate: true },
      notice ? h('p', { class: 'notice', role: 'status' }, notice) : null,
      email.el,
      password.el,
      error,
      button,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!email.input.value.trim() || !password.input.value) {
        showError(error, new Error('Enter your email and password.'));
        (email.input.value.trim() ? password.input : email.input).focus();
        return;
      }
      button.disabled = true;
      replace(button, 'Signing in…');
      try {
        const result = await auth.signIn(email.input.value, password.input.value);
        if (result.kind === 'signed-in') onSignedIn();
        else newPasswordStep(result.username, result.challengeSession, email.input.value);
      } catch (failure) {
        showError(error, failure);
        password.input.select();
        password.input.focus();
      } finally {
        button.disabled = false;
        replace(button, 'Sign in');
      }
    });
    // The error box sits above the company login's buttons when there are any: their failures show there too.
    const login = companyLogin(error);
    if (login) form.insertBefore(login, email.el);
    if (login) form.insertBefore(error, login);
    replace(card, brand(), h('h1', { id: 'signin-title' }, 'Sign in'), h('p', { class: 'muted' }, 'For the sales team: your leads, the team and the dashboard.'), form);
  }

  function newPasswordStep(username: string, challengeSession: string | undefined, emailTyped: string) {
    const first = field('New password', { type: 'password', autocomplete: 'new-password', required: true, 'data-testid': 'new-password' });
    const again = field('New password again', { type: 'password', autocomplete: 'new-password', required: true, 'data-testid': 'new-password-again' });
    const error = errorBox();
    const button = h('button', { type: 'submit', class: 'btn btn-primary btn-block', 'data-testid': 'new-password-submit' }, 'Set password and sign in');
    const form = h('form', { 'aria-labelledby': 'signin-title', novalidate: true }, first.el, again.el, error, button);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!first.input.value || first.input.value !== again.input.value) {
        showError(error, new Error(first.input.value ? 'The two passwords differ. Type the same one twice.' : 'Choose a new password.'));
        first.input.focus();
        return;
      }
      button.disabled = true;
      try {
        await auth.setNewPassword(username, first.input.value, challengeSession, emailTyped);
        onSignedIn();
      } catch (failure) {
        if (failure instanceof SignInError && failure.problem === 'session-expired') return passwordStep();
        showError(error, failure);
        first.input.focus();
      } finally {
        button.disabled = false;
      }
    });
    replace(
      card,
      brand(),
      h('h1', { id: 'signin-title', tabindex: '-1' }, 'Choose your password'),
      h('p', { class: 'muted' }, 'You signed in with a temporary password. Choose your own to continue.'),
      form,
    );
    first.input.focus();
  }
}

export const brand = (): HTMLElement => h('p', { class: 'brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '⚡'), 'Speed to Lead');

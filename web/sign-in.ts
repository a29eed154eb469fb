import type { AppConfig } from './contract';
import { expiresAtOf, needsRefresh, parseSession, refreshDelayMs, type Session } from './tokens';

/**
 * Signing in with Cognito's own API, called with fetch: InitiateAuth (USER_PASSWORD_AUTH),
 * RespondToAuthChallenge for a first sign-in with a temporary password, and REFRESH_TOKEN_AUTH
 * before the ID token expires. The same code runs against AWS and the local emulator: only
 * `cognitoEndpoint` differs. Tokens live in sessionStorage (never cookies), so closing the tab
 * signs out.
 */

/** What a browser's sessionStorage offers, so the tests can hand in a map. */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export type SignInProblem = 'wrong-password' | 'unknown-user' | 'password-policy' | 'reset-required' | 'too-many-attempts' | 'session-expired' | 'network' | 'other';

export class SignInError extends Error {
  constructor(
    readonly problem: SignInProblem,
    /** Cognito's own message, for a password policy's details. */
    readonly detail?: string,
  ) {
    super(signInMessage(problem, detail));
    this.name = 'SignInError';
  }
}

/** A problem in the words the form shows. */
export function signInMessage(problem: SignInProblem, detail?: string): string {
  switch (problem) {
    case 'wrong-password':
      return 'That email and password do not match. Check them and try again.';
    case 'unknown-user':
      return 'No team account has that email. Check it, or ask your manager to add you.';
    case 'password-policy':
      return `That password is not allowed${detail ? `: ${detail.replace(/^Password does not conform to policy:\s*/i, '')}` : '.'}`;
    case 'reset-required':
      return 'Your password has to be reset. Ask your manager or ops to reset it.';
    case 'too-many-attempts':
      return 'Too many attempts. Wait a minute, then try again.';
    case 'session-expired':
      return 'The sign-in took too long. Start again with your email and password.';
    case 'network':
      return 'Could not reach the sign-in service. Check your connection and try again.';
    case 'other':
      return `Signing in failed${detail ? `: ${detail}` : '.'} Try again.`;
  }
}

const problemOf = (type: string, message: string): SignInProblem => {
  if (type === 'NotAuthorizedException') return /attempts exceeded/i.test(message) ? 'too-many-attempts' : /session/i.test(message) ? 'session-expired' : 'wrong-password';
  if (type === 'UserNotFoundException') return 'unknown-user';
  if (type === 'InvalidPasswordException') return 'password-policy';
  if (type === 'PasswordResetRequiredException') return 'reset-required';
  if (type === 'TooManyRequestsException' || type === 'LimitExceededException' || type === 'TooManyFailedAttemptsException') return 'too-many-attempts';
  if (type === 'CodeMismatchException' || type === 'ExpiredCodeException') return 'session-expired';
  return 'other';
};

interface AuthenticationResult {
  IdToken: string;
  RefreshToken?: string;
  ExpiresIn?: number;
}

interface AuthResponse {
  AuthenticationResult?: AuthenticationResult;
  ChallengeName?: string;
  ChallengeParameters?: Record<string, string>;
  Session?: string;
}

export type SignInResult = { kind: 'signed-in'; session: Session } | { kind: 'new-password-required'; username: string; challengeSession: string | undefined };

const STORAGE_KEY = 'speed-to-lead:session';

export interface Auth {
  /** The stored session, if any (it may be expired: `token()` refreshes it). */
  current(): Session | undefined;
  signIn(email: string, password: string): Promise<SignInResult>;
  /** The first sign-in's new password, for NEW_PASSWORD_REQUIRED. */
  setNewPassword(username: string, newPassword: string, challengeSession: string | undefined, email: string): Promise<Session>;
  /** A valid ID token, refreshed first when it is about to expire; undefined when signed out. */
  token(): Promise<string | undefined>;
  refresh(): Promise<Session | undefined>;
  /** Calls `onRefreshFailed` when the refresh token no longer works. */
  keepFresh(onRefreshFailed: () => void): void;
  signOut(): void;
}

export function createAuth(
  config: Pick<AppConfig, 'cognitoEndpoint' | 'clientId'>,
  store: KeyValueStore,
  options: { fetch?: typeof fetch; now?: () => number; setTimer?: (fn: () => void, ms: number) => unknown; clearTimer?: (timer: unknown) => void } = {},
): Auth {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const now = options.now ?? (() => Date.now());
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = options.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
  let timer: unknown;
  let refreshing: Promise<Session | undefined> | undefined;
  let onFailed: (() => void) | undefined;

  async function call(target: 'InitiateAuth' | 'RespondToAuthChallenge', body: unknown): Promise<AuthResponse> {
    let response: Response;
    try {
      response = await doFetch(config.cognitoEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${target}` },
        body: JSON.stringify(body),
      });
    } catch {
      throw new SignInError('network');
    }
    const data = (await response.json().catch(() => ({}))) as AuthResponse & { __type?: string; message?: string; Message?: string };
    if (!response.ok) {
      // `__type` may carry a namespace ("com.amazonaws...#NotAuthorizedException").
      const type = (data.__type ?? response.headers.get('x-amzn-errortype') ?? '').split('#').pop()!.split(':')[0]!;
      const message = data.message ?? data.Message ?? '';
      throw new SignInError(problemOf(type, message), message || undefined);
    }
    return data;
  }

  const save = (session: Session) => {
    store.setItem(STORAGE_KEY, JSON.stringify(session));
    schedule(session);
    return session;
  };

  const sessionOf = (result: AuthenticationResult, email: string, refreshToken?: string): Session => ({
    idToken: result.IdToken,
    refreshToken: result.RefreshToken ?? refreshToken ?? '',
    expiresAt: expiresAtOf(result.IdToken, result.ExpiresIn, now()),
    email,
  });

  function schedule(session: Session) {
    if (!onFailed) return;
    if (timer !== undefined) clearTimer(timer);
    timer = setTimer(() => {
      void auth.refresh().then((fresh) => {
        if (!fresh) onFailed?.();
      });
    }, refreshDelayMs(session, now()));
  }

  const auth: Auth = {
    current: () => parseSession(store.getItem(STORAGE_KEY)),

    async signIn(email, password) {
      const username = email.trim();
      const data = await call('InitiateAuth', { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: config.clientId, AuthParameters: { USERNAME: username, PASSWORD: password } });
      if (data.AuthenticationResult) return { kind: 'signed-in', session: save(sessionOf(data.AuthenticationResult, username)) };
      if (data.ChallengeName === 'NEW_PASSWORD_REQUIRED') {
        return { kind: 'new-password-required', username: data.ChallengeParameters?.USER_ID_FOR_SRP ?? username, challengeSession: data.Session };
      }
      throw new SignInError('other', data.ChallengeName ? `this app cannot answer the ${data.ChallengeName} step` : undefined);
    },

    async setNewPassword(username, newPassword, challengeSession, email) {
      const data = await call('RespondToAuthChallenge', {
        ChallengeName: 'NEW_PASSWORD_REQUIRED',
        ClientId: config.clientId,
        ChallengeResponses: { USERNAME: username, NEW_PASSWORD: newPassword },
        ...(challengeSession ? { Session: challengeSession } : {}),
      });
      if (!data.AuthenticationResult) throw new SignInError('other', data.ChallengeName ? `this app cannot answer the ${data.ChallengeName} step` : undefined);
      return save(sessionOf(data.AuthenticationResult, email.trim()));
    },

    refresh() {
      // One refresh at a time: the timer and an API call may both ask.
      refreshing ??= (async () => {
        const session = auth.current();
        if (!session?.refreshToken) return undefined;
        try {
          const data = await call('InitiateAuth', { AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: config.clientId, AuthParameters: { REFRESH_TOKEN: session.refreshToken } });
          if (!data.AuthenticationResult) return undefined;
          return save(sessionOf(data.AuthenticationResult, session.email, session.refreshToken));
        } catch (error) {
          // Offline for a moment: keep the session, the next call tries again.
          if (error instanceof SignInError && error.problem === 'network' && session.expiresAt > now()) return session;
          if (!(error instanceof SignInError && error.problem === 'network')) store.removeItem(STORAGE_KEY);
          return undefined;
        }
      })().finally(() => {
        refreshing = undefined;
      });
      return refreshing;
    },

    async token() {
      const session = auth.current();
      if (!session) return undefined;
      if (!needsRefresh(session, now())) return session.idToken;
      return (await auth.refresh())?.idToken;
    },

    keepFresh(onRefreshFailed) {
      onFailed = onRefreshFailed;
      const session = auth.current();
      if (session) schedule(session);
    },

    signOut() {
      if (timer !== undefined) clearTimer(timer);
      timer = undefined;
      onFailed = undefined;
      store.removeItem(STORAGE_KEY);
    },
  };
  return auth;
}

import type { AppConfig } from './contract';
import { expiresAtOf, jwtClaims, needsRefresh, parseSession, refreshDelayMs, type Session } from './tokens';

/**
 * Signing in with Cognito's own API, called with fetch: InitiateAuth (USER_PASSWORD_AUTH),
 * RespondToAuthChallenge for a first sign-in with a temporary password, and REFRESH_TOKEN_AUTH
 * before the ID token expires. Or through the hosted domain, when the stage connects a company
 * identity provider: the authorization code grant with PKCE (S256) and a `state` checked on the
 * way back, the code exchanged at the domain's /oauth2/token; the session is then kept and
 * refreshed exactly as a password sign-in's. The same code runs against AWS and the local
 * emulator: only the endpoints differ. Tokens live in sessionStorage (never cookies), so
 * closing the tab signs out.
 */

/** What a browser's sessionStorage offers, so the tests can hand in a map. */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export type SignInProblem =
  | 'wrong-password'
  | 'unknown-user'
  | 'password-policy'
  | 'reset-required'
  | 'too-many-attempts'
  | 'session-expired'
  | 'network'
  | 'other'
  /** The hosted sign-in came back with a `state` this tab did not send (or none was started here). */
  | 'state-mismatch'
  /** The identity provider or Cognito answered with `error=` (cancelled, refused, misconfigured). */
  | 'provider-refused'
  /** The code was already used, or too old to exchange. */
  | 'code-expired';

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
    case 'state-mismatch':
      return 'That sign-in was not started from this page (or was started in another tab), so it was not accepted. Start again with a button below.';
    case 'provider-refused':
      return `The company login did not sign you in${detail ? `: ${detail}` : '.'} Try again, or ask ops if it keeps happening.`;
    case 'code-expired':
      return 'That sign-in had expired or was already used. Start again with a button below.';
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
/** A hosted sign-in under way: its `state` and PKCE verifier, until the browser comes back. */
const HOSTED_KEY = 'speed-to-lead:hosted-sign-in';
/** The provider of a hosted session: signing out ends the hosted domain's session too. */
const THROUGH_KEY = 'speed-to-lead:signed-in-through';
/** A hosted sign-in's way back is accepted this long after it started (Cognito's codes live 5 minutes). */
export const HOSTED_SIGN_IN_MAX_AGE_MS = 10 * 60_000;

interface PendingHostedSignIn {
  state: string;
  verifier: string;
  provider: string;
  startedAt: number;
  /** The app's page (its hash route) the person was on, to return to. */
  returnTo?: string;
}

const parsePending = (text: string | null): PendingHostedSignIn | undefined => {
  try {
    const value = JSON.parse(text ?? '') as Partial<PendingHostedSignIn>;
    if (typeof value.state === 'string' && typeof value.verifier === 'string' && typeof value.provider === 'string' && typeof value.startedAt === 'number') {
      return { state: value.state, verifier: value.verifier, provider: value.provider, startedAt: value.startedAt, ...(typeof value.returnTo === 'string' && /^#\//.test(value.returnTo) ? { returnTo: value.returnTo } : {}) };
    }
  } catch {
    // Nothing under way.
  }
  return undefined;
};

const base64url = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** RFC 7636's S256: the challenge is the verifier's SHA-256, base64url without padding. */
export async function pkceChallenge(verifier: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

/** The query of the hosted sign-in's way back (`code` or `error`, with `state`), if this page load is one. */
export function hostedCallbackOf(search: string): URLSearchParams | undefined {
  const query = new URLSearchParams(search);
  return query.has('code') || query.has('error') ? query : undefined;
}

/** How an OAuth `error` reads to the person signing in. */
const providerErrorText = (error: string, description: string | null): string | undefined => {
  if (error === 'access_denied') return 'the sign-in was cancelled or refused';
  return description?.trim().slice(0, 200) || undefined;
};

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
  /** The hosted domain's /oauth2/authorize for this provider, with a fresh `state` and PKCE challenge kept for the way back (and the hash route to return to). */
  hostedSignInUrl(providerId: string, returnTo?: string): Promise<string>;
  /** The way back from the hosted sign-in: checks `state`, exchanges the code; nothing is stored when anything is wrong. */
  completeHostedSignIn(query: URLSearchParams): Promise<{ session: Session; returnTo?: string }>;
  /** Where to go to end the hosted domain's own session too, when this session came through it. */
  hostedSignOutUrl(): string | undefined;
}

export function createAuth(
  config: Pick<AppConfig, 'cognitoEndpoint' | 'clientId' | 'hostedSignIn'>,
  store: KeyValueStore,
  options: {
    fetch?: typeof fetch;
    now?: () => number;
    setTimer?: (fn: () => void, ms: number) => unknown;
    clearTimer?: (timer: unknown) => void;
    randomBytes?: (length: number) => Uint8Array;
  } = {},
): Auth {
  const randomBytes = options.randomBytes ?? ((length) => crypto.getRandomValues(new Uint8Array(length)));
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
      store.removeItem(THROUGH_KEY);
    },

    async hostedSignInUrl(providerId, returnTo) {
      const hosted = config.hostedSignIn;
      if (!hosted) throw new SignInError('other', 'this app has no company login');
      // 32 random bytes each: a verifier of 43 characters (RFC 7636 asks 43 to 128), a state no one guesses.
      const pending: PendingHostedSignIn = {
        state: base64url(randomBytes(32)),
        verifier: base64url(randomBytes(32)),
        provider: providerId,
        startedAt: now(),
        // Only one of the app's own hash routes: never an address elsewhere.
        ...(returnTo && /^#\//.test(returnTo) ? { returnTo } : {}),
      };
      store.setItem(HOSTED_KEY, JSON.stringify(pending));
      const url = new URL(`${hosted.domain}/oauth2/authorize`);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: config.clientId,
        redirect_uri: hosted.redirectUri,
        scope: 'openid email profile',
        state: pending.state,
        code_challenge: await pkceChallenge(pending.verifier),
        code_challenge_method: 'S256',
        identity_provider: providerId,
      }).toString();
      return url.toString();
    },

    async completeHostedSignIn(query) {
      const hosted = config.hostedSignIn;
      // One use: whatever happens next, this sign-in cannot be completed twice.
      const pending = parsePending(store.getItem(HOSTED_KEY));
      store.removeItem(HOSTED_KEY);
      const state = query.get('state');
      if (!hosted || !pending || !state || state !== pending.state) throw new SignInError('state-mismatch');
      const error = query.get('error');
      if (error) throw new SignInError('provider-refused', providerErrorText(error, query.get('error_description')));
      const code = query.get('code');
      if (!code || now() - pending.startedAt > HOSTED_SIGN_IN_MAX_AGE_MS) throw new SignInError('code-expired');
      let response: Response;
      try {
        response = await doFetch(`${hosted.domain}/oauth2/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'authorization_code', client_id: config.clientId, code, redirect_uri: hosted.redirectUri, code_verifier: pending.verifier }).toString(),
        });
      } catch {
        throw new SignInError('network');
      }
      const data = (await response.json().catch(() => ({}))) as { id_token?: string; refresh_token?: string; expires_in?: number; error?: string; error_description?: string };
      if (!response.ok || !data.id_token) {
        if (data.error === 'invalid_grant') throw new SignInError('code-expired');
        throw new SignInError('other', data.error_description ?? data.error);
      }
      const email = jwtClaims(data.id_token)?.email;
      const session = save(sessionOf({ IdToken: data.id_token, ...(data.refresh_token ? { RefreshToken: data.refresh_token } : {}), ...(data.expires_in ? { ExpiresIn: data.expires_in } : {}) }, typeof email === 'string' ? email : ''));
      store.setItem(THROUGH_KEY, pending.provider);
      return { session, ...(pending.returnTo ? { returnTo: pending.returnTo } : {}) };
    },

    hostedSignOutUrl() {
      const hosted = config.hostedSignIn;
      if (!hosted || !store.getItem(THROUGH_KEY)) return undefined;
      return `${hosted.domain}/logout?${new URLSearchParams({ client_id: config.clientId, logout_uri: hosted.redirectUri })}`;
    },
  };
  return auth;
}

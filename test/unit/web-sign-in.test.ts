import { describe, expect, it } from 'vitest';
import { createAuth, type KeyValueStore } from '../../web/sign-in';
import { jwtClaims, needsRefresh, parseSession, refreshDelayMs, REFRESH_MARGIN_MS } from '../../web/tokens';

const ENDPOINT = 'http://127.0.0.1:9229/';
const config = { cognitoEndpoint: ENDPOINT, clientId: 'client-1' };

const memoryStore = (): KeyValueStore & { map: Map<string, string> } => {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v), removeItem: (k) => void map.delete(k) };
};

interface Call {
  target: string;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

/** Cognito as the app sees it: answers per target, and every request kept. */
function fakeCognito(answer: (call: Call) => { status: number; body: unknown }) {
  const calls: Call[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    expect(url).toBe(ENDPOINT);
    const headers = init.headers as Record<string, string>;
    const call = { target: headers['x-amz-target']!, body: JSON.parse(String(init.body)), headers };
    calls.push(call);
    const { status, body } = answer(call);
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/x-amz-json-1.1' } });
  }) as typeof globalThis.fetch;
  return { calls, fetch };
}

const tokens = (n: number) => ({ AuthenticationResult: { IdToken: `id-${n}`, RefreshToken: `refresh-${n}`, ExpiresIn: 3600, AccessToken: 'a' } });

describe('signing in with Cognito', () => {
  it('calls InitiateAuth with USER_PASSWORD_AUTH and keeps the tokens in the store', async () => {
    const cognito = fakeCognito(() => ({ status: 200, body: tokens(1) }));
    const store = memoryStore();
    const auth = createAuth(config, store, { fetch: cognito.fetch, now: () => 1_000_000 });
    const result = await auth.signIn(' ana@example.com ', 'pw');
    expect(cognito.calls[0]).toEqual({
      target: 'AWSCognitoIdentityProviderService.InitiateAuth',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
      body: { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: 'client-1', AuthParameters: { USERNAME: 'ana@example.com', PASSWORD: 'pw' } },
    });
    expect(result).toEqual({ kind: 'signed-in', session: { idToken: 'id-1', refreshToken: 'refresh-1', expiresAt: 1_000_000 + 3_600_000, email: 'ana@example.com' } });
    expect(auth.current()?.idToken).toBe('id-1');
    expect(await auth.token()).toBe('id-1');
    auth.signOut();
    expect(store.map.size).toBe(0);
    expect(await auth.token()).toBeUndefined();
  });

  it('answers NEW_PASSWORD_REQUIRED with the new password and the session', async () => {
    const cognito = fakeCognito((call) =>
      call.target.endsWith('.InitiateAuth')
        ? { status: 200, body: { ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: 'challenge-session', ChallengeParameters: { USER_ID_FOR_SRP: 'uuid-ana' } } }
        : { status: 200, body: tokens(2) },
    );
    const auth = createAuth(config, memoryStore(), { fetch: cognito.fetch, now: () => 0 });
    const result = await auth.signIn('ana@example.com', 'temporary');
    expect(result).toEqual({ kind: 'new-password-required', username: 'uuid-ana', challengeSession: 'challenge-session' });
    if (result.kind !== 'new-password-required') throw new Error('unreachable');
    const session = await auth.setNewPassword(result.username, 'N3w-password!', result.challengeSession, 'ana@example.com');
    expect(cognito.calls[1]).toMatchObject({
      target: 'AWSCognitoIdentityProviderService.RespondToAuthChallenge',
      body: { ChallengeName: 'NEW_PASSWORD_REQUIRED', ClientId: 'client-1', ChallengeResponses: { USERNAME: 'uuid-ana', NEW_PASSWORD: 'N3w-password!' }, Session: 'challenge-session' },
    });
    expect(session.idToken).toBe('id-2');
  });

  it('says what went wrong in words', async () => {
    const failing = (type: string, message: string) => createAuth(config, memoryStore(), { fetch: fakeCognito(() => ({ status: 400, body: { __type: type, message } })).fetch });
    await expect(failing('NotAuthorizedException', 'Incorrect username or password.').signIn('a@b.example', 'x')).rejects.toThrow('That email and password do not match');
    await expect(failing('UserNotFoundException', 'User does not exist.').signIn('a@b.example', 'x')).rejects.toThrow('No team account has that email');
    await expect(failing('com.amazonaws.cognito#InvalidPasswordException', 'Password does not conform to policy: Password not long enough').signIn('a@b.example', 'x')).rejects.toThrow(
      'That password is not allowed: Password not long enough',
    );
    const offline = createAuth(config, memoryStore(), { fetch: (async () => { throw new TypeError('Failed to fetch'); }) as typeof fetch });
    await expect(offline.signIn('a@b.example', 'x')).rejects.toThrow('Could not reach the sign-in service');
  });

  it('refreshes with REFRESH_TOKEN_AUTH before the ID token expires, keeping the refresh token', async () => {
    let now = 0;
    let n = 0;
    const cognito = fakeCognito((call) => {
      n += 1;
      if (call.body.AuthFlow === 'REFRESH_TOKEN_AUTH') return { status: 200, body: { AuthenticationResult: { IdToken: `id-${n}`, ExpiresIn: 3600 } } };
      return { status: 200, body: tokens(n) };
    });
    const timers: Array<{ fn: () => void; ms: number }> = [];
    const auth = createAuth(config, memoryStore(), { fetch: cognito.fetch, now: () => now, setTimer: (fn, ms) => timers.push({ fn, ms }), clearTimer: () => undefined });
    await auth.signIn('ana@example.com', 'pw');
    let failed = false;
    auth.keepFresh(() => (failed = true));
    expect(timers.at(-1)!.ms).toBe(3_600_000 - REFRESH_MARGIN_MS);
    now = 3_600_000 - REFRESH_MARGIN_MS + 1;
    expect(await auth.token()).toBe('id-2');
    expect(cognito.calls[1]!.body).toEqual({ AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: 'client-1', AuthParameters: { REFRESH_TOKEN: 'refresh-1' } });
    expect(auth.current()).toMatchObject({ idToken: 'id-2', refreshToken: 'refresh-1', email: 'ana@example.com' });
    expect(failed).toBe(false);
  });

  it('signs out when the refresh token is refused', async () => {
    let now = 0;
    const cognito = fakeCognito((call) => (call.body.AuthFlow === 'REFRESH_TOKEN_AUTH' ? { status: 400, body: { __type: 'NotAuthorizedException', message: 'Refresh Token has expired' } } : { status: 200, body: tokens(1) }));
    const auth = createAuth(config, memoryStore(), { fetch: cognito.fetch, now: () => now });
    await auth.signIn('ana@example.com', 'pw');
    now = 4_000_000;
    expect(await auth.token()).toBeUndefined();
    expect(auth.current()).toBeUndefined();
  });
});

describe('token expiry', () => {
  it('refreshes a minute before expiry, at once inside that minute', () => {
    expect(refreshDelayMs({ expiresAt: 600_000 }, 0)).toBe(600_000 - REFRESH_MARGIN_MS);
    expect(refreshDelayMs({ expiresAt: 30_000 }, 0)).toBe(0);
    expect(needsRefresh({ expiresAt: 100_000 }, 100_000 - REFRESH_MARGIN_MS)).toBe(true);
    expect(needsRefresh({ expiresAt: 100_000 }, 0)).toBe(false);
  });

  it('reads a JWT payload and a stored session, refusing what is not one', () => {
    const payload = Buffer.from(JSON.stringify({ email: 'zoë@example.com', 'cognito:groups': ['managers'] })).toString('base64url');
    expect(jwtClaims(`h.${payload}.s`)).toEqual({ email: 'zoë@example.com', 'cognito:groups': ['managers'] });
    expect(jwtClaims('garbage')).toBeUndefined();
    expect(parseSession('{"idToken":"a","refreshToken":"b","expiresAt":1}')).toEqual({ idToken: 'a', refreshToken: 'b', expiresAt: 1, email: '' });
    expect(parseSession('{"idToken":1}')).toBeUndefined();
    expect(parseSession('not json')).toBeUndefined();
    expect(parseSession(null)).toBeUndefined();
  });
});

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAuth, HOSTED_SIGN_IN_MAX_AGE_MS, hostedCallbackOf, type KeyValueStore, pkceChallenge, type SignInError } from '../../web/sign-in';
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

describe('signing in through the company login (hosted domain, code + PKCE)', () => {
  const hosted = { domain: 'https://acme-sales.auth.eu-west-1.amazoncognito.com', redirectUri: 'https://app.example.com/app/', providers: [{ id: 'Google', label: 'Google' }] };
  const hostedConfig = { ...config, hostedSignIn: hosted };
  const idToken = (claims: Record<string, unknown>) => `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.s`;
  let counter = 0;
  const randomBytes = (length: number) => Uint8Array.from({ length }, (_, i) => (i + (counter += 1)) % 256);

  /** The hosted domain's token endpoint as the app sees it: each request kept, one answer. */
  function tokenEndpoint(answer: (form: URLSearchParams) => { status: number; body: unknown }) {
    const requests: Array<{ url: string; form: URLSearchParams; contentType: string }> = [];
    const fetch = (async (url: string, init: RequestInit) => {
      const form = new URLSearchParams(String(init.body));
      requests.push({ url, form, contentType: (init.headers as Record<string, string>)['content-type']! });
      const { status, body } = answer(form);
      return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    }) as typeof globalThis.fetch;
    return { requests, fetch };
  }

  async function started(auth: ReturnType<typeof createAuth>) {
    const url = new URL(await auth.hostedSignInUrl('Google'));
    return { url, state: url.searchParams.get('state')! };
  }

  it('goes to /oauth2/authorize with the code grant, an S256 challenge of the kept verifier, a fresh state and the provider', async () => {
    const store = memoryStore();
    const auth = createAuth(hostedConfig, store, { randomBytes });
    const { url, state } = await started(auth);
    expect(`${url.origin}${url.pathname}`).toBe(`${hosted.domain}/oauth2/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ response_type: 'code', client_id: 'client-1', redirect_uri: hosted.redirectUri, scope: 'openid email profile', code_challenge_method: 'S256', identity_provider: 'Google' });
    const pending = JSON.parse(store.map.get('speed-to-lead:hosted-sign-in')!) as { state: string; verifier: string };
    expect(pending.state).toBe(state);
    expect(pending.verifier).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('code_challenge')).toBe(createHash('sha256').update(pending.verifier).digest('base64url'));
    // RFC 7636's own example.
    expect(await pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    // A second start replaces the first: its state no longer counts.
    const second = await started(auth);
    expect(second.state).not.toBe(state);
  });

  it('exchanges the code with the verifier and keeps the session as a password sign-in does, refreshed the same way', async () => {
    const store = memoryStore();
    const token = idToken({ email: 'ana@example.com', exp: 2_000 });
    const endpoint = tokenEndpoint(() => ({ status: 200, body: { id_token: token, access_token: 'a', refresh_token: 'refresh-h', expires_in: 3600, token_type: 'Bearer' } }));
    const auth = createAuth(hostedConfig, store, { fetch: endpoint.fetch, randomBytes, now: () => 1_000_000 });
    const { state } = await started(auth);
    const verifier = (JSON.parse(store.map.get('speed-to-lead:hosted-sign-in')!) as { verifier: string }).verifier;
    const { session, returnTo } = await auth.completeHostedSignIn(new URLSearchParams({ code: 'code-1', state }));
    expect(returnTo).toBeUndefined();
    expect(endpoint.requests).toEqual([
      {
        url: `${hosted.domain}/oauth2/token`,
        contentType: 'application/x-www-form-urlencoded',
        form: new URLSearchParams({ grant_type: 'authorization_code', client_id: 'client-1', code: 'code-1', redirect_uri: hosted.redirectUri, code_verifier: verifier }),
      },
    ]);
    expect(session).toEqual({ idToken: token, refreshToken: 'refresh-h', expiresAt: 2_000_000, email: 'ana@example.com' });
    expect(parseSession(store.map.get('speed-to-lead:session')!)).toEqual(session);
    expect(store.map.has('speed-to-lead:hosted-sign-in')).toBe(false);
    expect(auth.hostedSignOutUrl()).toBe(`${hosted.domain}/logout?client_id=client-1&logout_uri=${encodeURIComponent(hosted.redirectUri)}`);
    // The refresh is the password sign-in's: InitiateAuth with REFRESH_TOKEN_AUTH at Cognito's endpoint.
    const cognito = fakeCognito(() => ({ status: 200, body: tokens(9) }));
    const later = createAuth(hostedConfig, store, { fetch: cognito.fetch, now: () => 1_999_000 });
    expect(await later.token()).toBe('id-9');
    expect(cognito.calls[0]!.body).toEqual({ AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: 'client-1', AuthParameters: { REFRESH_TOKEN: 'refresh-h' } });
    later.signOut();
    expect(later.hostedSignOutUrl()).toBeUndefined();
  });

  it('refuses a state it did not send, a second use, an error answer and a spent code, storing nothing', async () => {
    const store = memoryStore();
    const endpoint = tokenEndpoint(() => ({ status: 400, body: { error: 'invalid_grant' } }));
    const auth = createAuth(hostedConfig, store, { fetch: endpoint.fetch, randomBytes, now: () => 0 });
    const problem = (query: Record<string, string>) => auth.completeHostedSignIn(new URLSearchParams(query)).then(() => 'signed in', (error: SignInError) => error.problem);

    const { state } = await started(auth);
    expect(await problem({ code: 'c', state: `${state}x` })).toBe('state-mismatch');
    // The mismatch spent the attempt: even the right state no longer completes it.
    expect(await problem({ code: 'c', state })).toBe('state-mismatch');
    expect(await problem({ code: 'c' })).toBe('state-mismatch');

    const denied = await started(auth);
    expect(await problem({ error: 'access_denied', state: denied.state })).toBe('provider-refused');
    await started(auth).then(({ state: s }) => auth.completeHostedSignIn(new URLSearchParams({ error: 'access_denied', state: s })).catch((e: Error) => expect(e.message).toMatch(/did not sign you in: the sign-in was cancelled or refused/)));

    const spent = await started(auth);
    expect(await problem({ code: 'used-code', state: spent.state })).toBe('code-expired');
    expect(endpoint.requests).toHaveLength(1);
    expect([...store.map.keys()]).toEqual([]);
    expect(auth.current()).toBeUndefined();
  });

  it("returns to the app's page the sign-in started on, and only to one of its hash routes", async () => {
    const endpoint = tokenEndpoint(() => ({ status: 200, body: { id_token: idToken({ email: 'a@b.example' }), refresh_token: 'r' } }));
    const auth = createAuth(hostedConfig, memoryStore(), { fetch: endpoint.fetch, randomBytes, now: () => 0 });
    const back = async (returnTo: string) => {
      const state = new URL(await auth.hostedSignInUrl('Google', returnTo)).searchParams.get('state')!;
      return (await auth.completeHostedSignIn(new URLSearchParams({ code: 'c', state }))).returnTo;
    };
    expect(await back('#/leads/lead-1')).toBe('#/leads/lead-1');
    expect(await back('https://evil.example/')).toBeUndefined();
    expect(await back('')).toBeUndefined();
  });

  it('refuses a way back that comes too late, without calling the token endpoint', async () => {
    let clock = 0;
    const endpoint = tokenEndpoint(() => ({ status: 200, body: { id_token: idToken({ email: 'a@b.example' }) } }));
    const auth = createAuth(hostedConfig, memoryStore(), { fetch: endpoint.fetch, randomBytes, now: () => clock });
    const { state } = await started(auth);
    clock = HOSTED_SIGN_IN_MAX_AGE_MS + 1;
    await expect(auth.completeHostedSignIn(new URLSearchParams({ code: 'c', state }))).rejects.toMatchObject({ problem: 'code-expired' });
    expect(endpoint.requests).toEqual([]);
  });

  it('knows a way back by its code or error', () => {
    expect(hostedCallbackOf('?code=abc&state=s')?.get('code')).toBe('abc');
    expect(hostedCallbackOf('?error=access_denied&state=s')?.get('error')).toBe('access_denied');
    expect(hostedCallbackOf('')).toBeUndefined();
    expect(hostedCallbackOf('?rep=rep-ana')).toBeUndefined();
  });
});

import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createRequire } from 'node:module';
import type { LocalStack } from '../../local/stack';

/**
 * The team app's sign-in as a browser does it: Cognito's InitiateAuth with the user's
 * password, straight to the pool's endpoint (cognito-local here), and the API called with the
 * ID token as a bearer token. Plus the tokens an attacker could try: forged, expired, for
 * another app.
 */
export const TEAM_PASSWORD = 'Correct-Horse-9-Battery';

export const teamUsers = {
  ana: { email: 'ana@example.com', name: 'Ana Alves', groups: ['reps'] },
  ben: { email: 'ben@example.com', name: 'Ben Brown', groups: ['reps'] },
  eve: { email: 'eve@example.com', name: 'Eve Engel', groups: ['reps'] },
  manager: { email: 'mia.manager@example.com', name: 'Mia Manager', groups: ['managers'] },
  /** Signed in, but in no group: has no business in the app yet. */
  nobody: { email: 'nora.nogroup@example.com', name: 'Nora Nogroup', groups: [] },
} as const;

export type TeamUserName = keyof typeof teamUsers;

export async function addTeamUsers(stack: Pick<LocalStack, 'teamPool'>): Promise<void> {
  for (const user of Object.values(teamUsers)) await stack.teamPool.addUser({ ...user, password: TEAM_PASSWORD });
}

/** InitiateAuth with USER_PASSWORD_AUTH: the ID token. */
export async function signIn(stack: Pick<LocalStack, 'teamPool'>, email: string, password = TEAM_PASSWORD): Promise<string> {
  const response = await fetch(stack.teamPool.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
    body: JSON.stringify({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: stack.teamPool.clientId, AuthParameters: { USERNAME: email, PASSWORD: password } }),
  });
  const body = (await response.json()) as { AuthenticationResult?: { IdToken: string }; message?: string };
  if (!body.AuthenticationResult) throw new Error(`Sign-in of ${email} failed (${response.status}): ${body.message}`);
  return body.AuthenticationResult.IdToken;
}

/** A call to the app's API; `token` undefined sends no Authorization header. */
export async function appApi(stack: Pick<LocalStack, 'apiUrl'>, path: string, token: string | undefined, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(token !== undefined ? { authorization: token.startsWith('Bearer ') || token === '' ? token : `Bearer ${token}` } : {}),
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    ...(init.body !== undefined ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}),
  });
  const text = await response.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // CSV or a page: the text as it came.
  }
  return { status: response.status, body, headers: response.headers };
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The claims of a JWT, unchecked: to build tokens that differ from a real one in one way. */
export const claimsOf = (token: string): Record<string, unknown> => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

/** A JWT with these claims signed RS256 by `key`, under the emulator's key id. */
export function signJwt(claims: Record<string, unknown>, key: KeyObject, kid = 'CognitoLocal'): string {
  const input = `${base64url({ alg: 'RS256', typ: 'JWT', kid })}.${base64url(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

/** A key that is not the pool's: what a forger has. */
export const forgerKey = (): KeyObject => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

/** The emulator's own signing key (it ships in cognito-local): to sign tokens the pool would, but stale or for another app. */
export function poolKey(): KeyObject {
  const { jwk } = createRequire(import.meta.url)('cognito-local/lib/keys/cognitoLocal.private.json') as { jwk: Record<string, string> };
  return createPrivateKey({ key: jwk, format: 'jwk' });
}

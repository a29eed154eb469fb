import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig, HostedSignInConfig } from '@domain/team-app';
import { json } from '@commons/http-response';
import { alreadyHas, etagOf, staticHandler } from '@commons/static-handler';

/**
 * GET /app and /app/{asset+}: the team app's page, its script and styles (built from web/ and
 * bundled beside this function, APP_ASSETS_DIR), and /app/config.json, which tells the page
 * where to sign in. None of it holds data: the page signs in and then calls the API with the
 * ID token. Locally only the endpoint differs (the SDK's standard variable for Cognito).
 */
const ASSETS: Record<string, string> = { 'index.html': 'text/html; charset=utf-8', 'app.js': 'text/javascript; charset=utf-8', 'app.css': 'text/css; charset=utf-8' };

const cognitoEndpoint = () => process.env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER ?? `https://cognito-idp.${process.env.AWS_REGION}.amazonaws.com/`;

/** The hosted sign-in (SIGN_IN_DOMAIN_URL, SIGN_IN_REDIRECT_URL, SIGN_IN_PROVIDERS): CDK writes all three or none. */
function hostedSignInOf(env: NodeJS.ProcessEnv): HostedSignInConfig | undefined {
  const { SIGN_IN_DOMAIN_URL: domain, SIGN_IN_REDIRECT_URL: redirectUri, SIGN_IN_PROVIDERS: providersText } = env;
  if (!domain) return undefined;
  let providers: unknown;
  try {
    providers = JSON.parse(providersText ?? '[]');
  } catch {
    throw new Error('SIGN_IN_PROVIDERS: not JSON; it is a list like [{"id":"Google","label":"Google"}]');
  }
  const valid = Array.isArray(providers) && providers.every((p) => typeof p?.id === 'string' && p.id && typeof p?.label === 'string' && p.label);
  if (!valid) throw new Error('SIGN_IN_PROVIDERS: must be a list like [{"id":"Google","label":"Google"}]');
  if (!redirectUri) throw new Error('SIGN_IN_REDIRECT_URL: must be set with SIGN_IN_DOMAIN_URL (the app\'s <base>/app/)');
  return { domain: domain.replace(/\/+$/, ''), redirectUri, providers: (providers as Array<{ id: string; label: string }>).map(({ id, label }) => ({ id, label })) };
}

const appConfig = (): AppConfig => {
  const hostedSignIn = hostedSignInOf(process.env);
  return {
    region: process.env.AWS_REGION ?? '',
    userPoolId: process.env.USER_POOL_ID ?? '',
    clientId: process.env.USER_POOL_CLIENT_ID ?? '',
    cognitoEndpoint: cognitoEndpoint(),
    ...(hostedSignIn ? { hostedSignIn } : {}),
  };
};

/** Only this origin and Cognito's (its API, and the hosted domain's token endpoint): no inline script or style, no framing. */
const contentSecurityPolicy = () => {
  const hostedSignIn = hostedSignInOf(process.env);
  const origins = [...new Set([cognitoEndpoint(), ...(hostedSignIn ? [hostedSignIn.domain] : [])].map((url) => new URL(url).origin))].join(' ');
  return `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ${origins}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`;
};

interface Asset {
  body: string;
  etag: string;
}

const loaded = new Map<string, Asset>();
/** Read once per container: the assets change only with a deploy. */
function asset(name: string): Asset {
  let found = loaded.get(name);
  if (!found) {
    const body = readFileSync(join(process.env.APP_ASSETS_DIR ?? '', name), 'utf8');
    found = { body, etag: etagOf(body) };
    loaded.set(name, found);
  }
  return found;
}

export const handler = staticHandler(async (event) => {
  const path = event.rawPath.replace(/\/+$/, '');
  if (path === '/app/config.json') return json(200, appConfig());
  const name = path === '/app' || path === '/app/index.html' ? 'index.html' : path.slice('/app/'.length);
  const type = ASSETS[name];
  if (!type) return json(404, { error: 'NotFound', message: 'No such page' });
  const { body, etag } = asset(name);
  const headers: Record<string, string> = {
    'content-type': type,
    // Revalidated on every load (the names do not change with a deploy), cheap with the ETag.
    'cache-control': 'no-cache',
    etag,
    'x-content-type-options': 'nosniff',
    ...(name === 'index.html' ? { 'content-security-policy': contentSecurityPolicy(), 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' } : {}),
  };
  return alreadyHas(event, etag) ? { statusCode: 304, headers } : { statusCode: 200, headers, body };
});

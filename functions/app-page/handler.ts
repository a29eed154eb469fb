import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '@domain/team-app';
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

const appConfig = (): AppConfig => ({
  region: process.env.AWS_REGION ?? '',
  userPoolId: process.env.USER_POOL_ID ?? '',
  clientId: process.env.USER_POOL_CLIENT_ID ?? '',
  cognitoEndpoint: cognitoEndpoint(),
});

/** Only this origin and Cognito's: no inline script or style, no framing. */
const contentSecurityPolicy = () =>
  `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ${new URL(cognitoEndpoint()).origin}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`;

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

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler } from '@functions/app-page/handler';
import { lambdaContext } from '../../local/lambda-context';

/**
 * GET /app/config.json and the page's CSP with a company login connected: the page is told the
 * hosted domain, the one callback and the buttons, and may reach that domain (its token
 * endpoint) from script; without the three variables there is no company login at all.
 */
// Before the handler's logger is made: the malformed case below is logged as an error, on purpose.
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

const assets = mkdtempSync(join(tmpdir(), 'speed-to-lead-app-page-'));
const saved = { ...process.env };
const hosted = {
  SIGN_IN_DOMAIN_URL: 'https://acme-sales-team.auth.eu-west-1.amazoncognito.com',
  SIGN_IN_REDIRECT_URL: 'https://leads.example.com/app/',
  SIGN_IN_PROVIDERS: JSON.stringify([{ id: 'Google', label: 'Google' }, { id: 'Okta', label: 'Okta' }]),
};

beforeAll(() => {
  writeFileSync(join(assets, 'index.html'), '<!doctype html><title>app</title>');
  Object.assign(process.env, { APP_ASSETS_DIR: assets, AWS_REGION: 'eu-west-1', USER_POOL_ID: 'eu-west-1_abc', USER_POOL_CLIENT_ID: 'client-1' });
  delete process.env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER;
});
afterAll(() => {
  process.env = saved;
  rmSync(assets, { recursive: true, force: true });
});

const get = async (path: string, env: Record<string, string | undefined>) => {
  for (const [name, value] of Object.entries({ SIGN_IN_DOMAIN_URL: undefined, SIGN_IN_REDIRECT_URL: undefined, SIGN_IN_PROVIDERS: undefined, ...env })) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  const event = { version: '2.0', routeKey: 'GET /app/{proxy+}', rawPath: path, rawQueryString: '', headers: {}, isBase64Encoded: false, requestContext: { http: { method: 'GET', path } } };
  return (await handler(event as never, lambdaContext('app-page', 3_000))) as { statusCode: number; headers: Record<string, string>; body: string };
};

describe("the app page's sign-in settings", () => {
  it('names the hosted domain, the callback and the buttons, and lets the page reach that domain', async () => {
    const config = await get('/app/config.json', hosted);
    expect(JSON.parse(config.body)).toEqual({
      region: 'eu-west-1',
      userPoolId: 'eu-west-1_abc',
      clientId: 'client-1',
      cognitoEndpoint: 'https://cognito-idp.eu-west-1.amazonaws.com/',
      hostedSignIn: { domain: hosted.SIGN_IN_DOMAIN_URL, redirectUri: hosted.SIGN_IN_REDIRECT_URL, providers: [{ id: 'Google', label: 'Google' }, { id: 'Okta', label: 'Okta' }] },
    });
    const page = await get('/app/', hosted);
    expect(page.headers['content-security-policy']).toContain(`connect-src 'self' https://cognito-idp.eu-west-1.amazonaws.com ${hosted.SIGN_IN_DOMAIN_URL};`);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
  });

  it('has no company login without the domain, and refuses a malformed list of buttons', async () => {
    expect(JSON.parse((await get('/app/config.json', {})).body).hostedSignIn).toBeUndefined();
    expect((await get('/app/', {})).headers['content-security-policy']).toContain("connect-src 'self' https://cognito-idp.eu-west-1.amazonaws.com;");
    expect((await get('/app/config.json', { ...hosted, SIGN_IN_PROVIDERS: '[{"id":"Google"}]' })).statusCode).toBe(500);
  });
});

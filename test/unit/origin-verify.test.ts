import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type HttpEvent, httpHandler, json } from '@commons/http';
import { originVerifyFromEnv, type OriginVerifySource } from '@commons/origin-verify';
import { lambdaContext } from '../../local/lambda-context';
import type { RunningEndpoint } from '../../local/aws-json-endpoint';
import { startSecretsEndpoint } from '../../local/secrets-endpoint';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy';

/**
 * Behind the firewall, CloudFront adds X-Origin-Verify to every request it forwards; the form
 * intake refuses a lead without it (posted to the execute-api URL, around the web ACL) before
 * reading anything, and the handler never runs.
 */
const SECRET = 'aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1eF3hJ5kL7nP9rS1uV3';

function apiFunction(originVerify?: OriginVerifySource) {
  const handled: HttpEvent[] = [];
  const handler = httpHandler(
    async (event) => {
      handled.push(event);
      return json(202, { leadId: 'l-1', status: 'accepted' });
    },
    { jsonOnly: true, ...(originVerify ? { originVerify } : {}) },
  );
  const call = (headers: Record<string, string>) =>
    handler(
      {
        version: '2.0',
        routeKey: 'POST /leads',
        rawPath: '/leads',
        rawQueryString: '',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ email: 'dana@acme.io' }),
        isBase64Encoded: false,
        requestContext: { http: { method: 'POST', path: '/leads', protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: 'test' }, requestId: 'r-1', routeKey: 'POST /leads', stage: '$default', time: '', timeEpoch: 0, accountId: '1', apiId: 'a', domainName: 'x', domainPrefix: 'x' },
      } as never,
      lambdaContext('intake', 10_000),
    );
  return { call, handled };
}

describe('the API behind the firewall', () => {
  const fixed = async () => SECRET;

  it('serves a request that came through CloudFront (header names are case-insensitive)', async () => {
    const api = apiFunction(fixed);
    expect((await api.call({ 'X-Origin-Verify': SECRET })).statusCode).toBe(202);
    expect(api.handled).toHaveLength(1);
  });

  it.each([
    ['no header (the execute-api URL)', {}],
    ['a wrong value', { 'x-origin-verify': 'guess' }],
    ['a value one character short', { 'x-origin-verify': SECRET.slice(0, -1) }],
    ['an empty value', { 'x-origin-verify': '' }],
  ])('refuses %s with a 403 and runs nothing', async (_, headers) => {
    const api = apiFunction(fixed);
    const response = await api.call(headers);
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body!)).toEqual({ error: 'Forbidden', message: 'Post leads to the address in the form script' });
    expect(response.body).not.toContain(SECRET);
    expect(api.handled).toEqual([]);
  });

  it('without a firewall, requires nothing', async () => {
    expect(originVerifyFromEnv(undefined)).toBeUndefined();
    const api = apiFunction();
    expect((await api.call({})).statusCode).toBe(202);
  });
});

/**
 * The value is never in the environment: the intake gets the secret's ARN
 * (ORIGIN_VERIFY_SECRET_ID) and reads it from Secrets Manager, once per container.
 */
describe('the origin-verify value, read from Secrets Manager', () => {
  let secrets: RunningEndpoint;
  let proxy: FaultProxy;
  beforeAll(async () => {
    secrets = await startSecretsEndpoint({ 'speed-to-lead-origin': SECRET }, { region: 'us-east-1', accountId: '000000000000' });
    // Counts the reads, and answers a 503 when told to.
    proxy = await startFaultProxy(secrets.url);
    vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', proxy.url);
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await proxy.close();
    await secrets.close();
  });

  it('by the ARN the environment names, once for all requests, and refuses requests without it', async () => {
    const before = proxy.requests;
    const api = apiFunction(originVerifyFromEnv('arn:aws:secretsmanager:us-east-1:000000000000:secret:speed-to-lead-origin-AbCdEf'));
    expect((await api.call({})).statusCode).toBe(403);
    // Refused without the header before the secret was read at all.
    expect(proxy.requests - before).toBe(0);
    expect((await api.call({ 'x-origin-verify': SECRET })).statusCode).toBe(202);
    expect((await api.call({ 'x-origin-verify': 'guess' })).statusCode).toBe(403);
    expect((await api.call({ 'x-origin-verify': SECRET })).statusCode).toBe(202);
    expect(proxy.requests - before).toBe(1);
    expect(api.handled).toHaveLength(2);
  });

  it('a read that fails is never a pass: 503 to retry while Secrets Manager is down, and the next request reads again', async () => {
    const api = apiFunction(originVerifyFromEnv('speed-to-lead-origin'));
    // Every attempt of the SDK's retries.
    proxy.fail({ matches: () => true, times: 3, status: 503, body: { __type: 'InternalServiceError', message: 'Service Unavailable' } });
    const down = await api.call({ 'x-origin-verify': SECRET });
    expect(down.statusCode).toBe(503);
    expect(down.body).not.toContain(SECRET);
    expect((await api.call({ 'x-origin-verify': SECRET })).statusCode).toBe(202);
    expect(api.handled).toHaveLength(1);
  });
});

import { describe, expect, it } from 'vitest';
import { type HttpEvent, httpHandler, json } from '@commons/http';
import { lambdaContext } from '../../local/lambda-context';

/**
 * Behind the firewall, CloudFront adds X-Origin-Verify to every request it forwards; the form
 * intake refuses a lead without it (posted to the execute-api URL, around the web ACL) before
 * reading anything, and the handler never runs.
 */
const SECRET = 'aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1eF3hJ5kL7nP9rS1uV3';

function apiFunction(originVerify?: string) {
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
  it('serves a request that came through CloudFront (header names are case-insensitive)', async () => {
    const api = apiFunction(SECRET);
    expect((await api.call({ 'X-Origin-Verify': SECRET })).statusCode).toBe(202);
    expect(api.handled).toHaveLength(1);
  });

  it.each([
    ['no header (the execute-api URL)', {}],
    ['a wrong value', { 'x-origin-verify': 'guess' }],
    ['a value one character short', { 'x-origin-verify': SECRET.slice(0, -1) }],
    ['an empty value', { 'x-origin-verify': '' }],
  ])('refuses %s with a 403 and runs nothing', async (_, headers) => {
    const api = apiFunction(SECRET);
    const response = await api.call(headers);
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body!)).toEqual({ error: 'Forbidden', message: 'Post leads to the address in the form script' });
    expect(response.body).not.toContain(SECRET);
    expect(api.handled).toEqual([]);
  });

  it('without a firewall, requires nothing', async () => {
    const api = apiFunction();
    expect((await api.call({})).statusCode).toBe(202);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HandlerTimeouts, startLocalApi } from '../../local/api';

/**
 * The local API answers as API Gateway's HTTP API does when a function runs too long or its
 * event is too big for Lambda: stand-in handlers, a real server on loopback.
 */
describe('the local API, at the limits Lambda and API Gateway set', () => {
  let api: Awaited<ReturnType<typeof startLocalApi>>;
  let timeouts: HandlerTimeouts;
  let calls = 0;

  beforeAll(async () => {
    api = await startLocalApi({
      loadHandler: async () => async () => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        return { statusCode: 202, body: '{}' };
      },
      timeouts: () => timeouts,
    });
  });
  afterAll(() => api?.close());

  const post = (body: string) => fetch(`${api.url}/leads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('answers 500, as for any function error, when the function runs past its own timeout', async () => {
    timeouts = { functionMs: 50, integrationMs: 30_000 };
    const response = await post('{}');
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
  });

  it('answers 503 when the integration gives up before a slower function', async () => {
    timeouts = { functionMs: 60_000, integrationMs: 50 };
    const response = await post('{}');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ message: 'Service Unavailable' });
  });

  it("refuses a body under the API's 10 MB whose event is over Lambda's 6 MB, without running the function", async () => {
    timeouts = { functionMs: 10_000, integrationMs: 30_000 };
    const before = calls;
    const response = await post(`"${'x'.repeat(7 * 1024 * 1024)}"`);
    expect(response.status).toBe(413);
    expect(calls).toBe(before);
  });
});

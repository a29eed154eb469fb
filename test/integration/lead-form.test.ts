import { Script } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadFormScript } from '@functions/lead-form/lead-form-script';
import { startLocalStack, type LocalStack } from '../../local/stack';

/** The embed script as the API serves it, and the local demo page that uses it. */
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ timeScale: 1 });
});

afterAll(async () => {
  await stack?.close();
});

describe('GET /lead-form.js', () => {
  it('serves the script as JavaScript that browsers and CDNs may cache, revalidated by ETag', async () => {
    const response = await fetch(`${stack.apiUrl}/lead-form.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('cache-control')).toMatch(/^public, max-age=\d+/);
    expect(response.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const body = await response.text();
    expect(body).toBe(leadFormScript);
    // Parses as a classic script: no module syntax, nothing a template literal could have mangled.
    expect(() => new Script(body)).not.toThrow();
    expect(body).toContain('form[data-lead-form]');

    const etag = response.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await fetch(`${stack.apiUrl}/lead-form.js`, { headers: { 'if-none-match': `W/"other", ${etag}` } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect((await fetch(`${stack.apiUrl}/lead-form.js`, { headers: { 'if-none-match': '"stale"' } })).status).toBe(200);
  });

  it('is the only thing served by that path: other methods are not routed', async () => {
    expect((await fetch(`${stack.apiUrl}/lead-form.js`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${stack.apiUrl}/lead-formXjs`)).status).toBe(404);
  });
});

describe('the local demo page', () => {
  it('is served at / with a CSP that allows no inline script, and embeds the form as a site would', async () => {
    const response = await fetch(`${stack.apiUrl}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await response.text();
    expect(html).toContain('<script src="/lead-form.js" defer></script>');
    expect(html).toMatch(/<form data-lead-form data-form-id="demo-request"/);
    expect(html).toContain(`href="${stack.sesUrl}"`);
    expect(html).not.toMatch(/<script>|on(click|submit|load)=/);
    expect((await fetch(`${stack.apiUrl}/`, { method: 'POST' })).status).toBe(404);
  });
});

import { describe, expect, it } from 'vitest';
import { SignatureInvalid } from '@domain/errors';
import { signWebhook, verifySignedWebhook, verifyWebhook, WEBHOOK_TOLERANCE_SECONDS } from '@domain/webhook-signature';

const secret = 'crm-shared-secret-0123456789';
const body = '{"outcome":"contacted","repId":"rep-ana"}';
const signedAt = 1_764_000_000;
const at = (seconds: number) => new Date(seconds * 1000);

const request = (overrides: Partial<{ signature: string | undefined; timestamp: string | undefined; rawBody: string }> = {}) => {
  const { rawBody = body, ...headers } = overrides;
  return { signature: signWebhook(body, signedAt, secret), timestamp: String(signedAt), ...headers, rawBody: Buffer.from(rawBody) };
};

/** The reason a request is refused, or "accepted". */
function verdict(req: ReturnType<typeof request>, now = at(signedAt), key = secret): string {
  try {
    verifyWebhook(req, { current: key }, now);
    return 'accepted';
  } catch (error) {
    if (error instanceof SignatureInvalid) return error.reason;
    throw error;
  }
}

describe('CRM webhook signature', () => {
  it('is HMAC-SHA256 over "<timestamp>.<raw body>", hex, prefixed sha256= (as openssl computes it)', () => {
    // printf '%s' '1764000000.<body>' | openssl dgst -sha256 -hmac 'crm-shared-secret-0123456789'
    expect(signWebhook(body, signedAt, secret)).toBe('sha256=e2d1d28aded3dbd85387de2b4a55999b2b9cbfbf20f78e9d0d7b15704370e7f3');
    expect(verdict(request())).toBe('accepted');
    expect(verdict(request({ signature: signWebhook(body, signedAt, secret).toUpperCase().replace('SHA256', 'sha256') }))).toBe('accepted');
  });

  it('refuses another secret, another body, or the same signature re-dated', () => {
    expect(verdict(request(), at(signedAt), 'another-secret-0123456789')).toBe('mismatch');
    expect(verdict(request({ rawBody: body.replace('contacted', 'rejected') }))).toBe('mismatch');
    // Whitespace matters: the signature covers the bytes sent, not the JSON they parse to.
    expect(verdict(request({ rawBody: body.replace(':', ': ') }))).toBe('mismatch');
    expect(verdict(request({ timestamp: String(signedAt + 60) }), at(signedAt + 60))).toBe('mismatch');
  });

  it(`accepts up to ${WEBHOOK_TOLERANCE_SECONDS} seconds of clock difference either way, and refuses replays after that`, () => {
    expect(verdict(request(), at(signedAt + 300))).toBe('accepted');
    expect(verdict(request(), at(signedAt - 300))).toBe('accepted');
    expect(verdict(request(), at(signedAt + 301))).toBe('stale');
    expect(verdict(request(), at(signedAt - 301))).toBe('stale');
    // Milliseconds instead of seconds look like a time far in the future.
    const inMs = String(signedAt * 1000);
    expect(verdict(request({ timestamp: inMs, signature: signWebhook(body, inMs, secret) }))).toBe('stale');
  });

  it('says what is missing or malformed', () => {
    expect(verdict(request({ signature: undefined }))).toBe('missing-signature');
    expect(verdict(request({ signature: '' }))).toBe('missing-signature');
    expect(verdict(request({ timestamp: undefined }))).toBe('missing-timestamp');
    for (const signature of ['e2d1d28a', 'sha1=' + 'a'.repeat(64), 'sha256=' + 'g'.repeat(64), 'sha256=' + 'a'.repeat(63), 'sha256=' + 'a'.repeat(66)]) {
      expect(verdict(request({ signature })), signature).toBe('malformed-signature');
    }
    for (const timestamp of ['soon', '-1', '1.5', '1e9', '1'.repeat(14)]) {
      expect(verdict(request({ timestamp })), timestamp).toBe('malformed-timestamp');
    }
  });
});

describe('CRM webhook signature across a rotation of the shared secret', () => {
  const rotated = 'crm-shared-secret-after-rotation';
  const signedWith = (key: string) => ({ signature: signWebhook(body, signedAt, key), timestamp: String(signedAt), rawBody: Buffer.from(body) });
  const verdictWith = (req: ReturnType<typeof signedWith>, keys: { current: string; previous?: string }) => {
    try {
      verifyWebhook(req, keys, at(signedAt));
      return 'accepted';
    } catch (error) {
      return (error as SignatureInvalid).reason;
    }
  };

  it('accepts the new secret and, until the next rotation, the one it replaced (a CRM switches when it is told)', () => {
    expect(verdictWith(signedWith(rotated), { current: rotated, previous: secret })).toBe('accepted');
    expect(verdictWith(signedWith(secret), { current: rotated, previous: secret })).toBe('accepted');
    expect(verdictWith(signedWith(secret), { current: rotated })).toBe('mismatch');
    expect(verdictWith(signedWith('crm-secret-two-rotations-ago-00'), { current: rotated, previous: secret })).toBe('mismatch');
  });

  it('signed with a value this function has not read yet: verified after one fresh read', async () => {
    const reads: string[] = [];
    const held = {
      webhookSecrets: async (read?: { fresh?: boolean }) => {
        reads.push(read?.fresh ? 'fresh' : 'cached');
        return read?.fresh ? { current: rotated, previous: secret } : { current: secret };
      },
    };
    await expect(verifySignedWebhook(held, signedWith(rotated), at(signedAt))).resolves.toBeUndefined();
    expect(reads).toEqual(['cached', 'fresh']);
    await expect(verifySignedWebhook(held, signedWith('crm-secret-nobody-was-given-0'), at(signedAt))).rejects.toMatchObject({ reason: 'mismatch' });
  });
});

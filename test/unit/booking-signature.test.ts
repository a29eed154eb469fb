import { describe, expect, it } from 'vitest';
import { SignatureInvalid } from '@domain/errors';
import {
  BOOKING_TOLERANCE_SECONDS,
  bookingDeliveryId,
  refuseStaleCalcom,
  signCalcomWebhook,
  signCalendlyWebhook,
  verifyCalcomRequest,
  verifyCalcomSignature,
  verifyCalendlyRequest,
  verifyCalendlySignature,
} from '@domain/booking-signature';

/*
 * Neither tool publishes a worked example with its secret, so the expected MACs below were
 * computed apart from this code, with `openssl dgst -sha256 -hmac <secret> -hex` over the
 * exact bytes (Cal.com: the body; Calendly: "<t>.<body>"), as Cal.com's own sender
 * (createWebhookSignature: hex HMAC-SHA256 of the body) and Calendly's "Webhook Signatures" page describe.
 */
const calcom = {
  secret: 'cal-webhook-secret-0123456789',
  body: '{"triggerEvent":"BOOKING_CREATED","createdAt":"2026-12-01T09:00:00.000Z","payload":{"uid":"bk_1","startTime":"2026-12-08T10:30:00.000Z","metadata":{"leadId":"lead-1"}}}',
  signature: 'ad3fb531eda1726a2fc796d4cb25bf8cd5181a8943ccab2c3f646119033fd408',
};
const calendly = {
  key: 'calendly-signing-key-0123456789',
  timestamp: 1764579600,
  body: '{"event":"invitee.created","created_at":"2026-12-01T09:00:00.000000Z","payload":{"email":"dana@acme.test","tracking":{"utm_content":"lead-1"}}}',
  mac: '15db79284af788715652ecb259370e1f603694d0080510b26431f1d91a9e2a2c',
};
const calendlyHeader = `t=${calendly.timestamp},v1=${calendly.mac}`;
const at = (seconds: number) => new Date(seconds * 1000);

function verdict(check: () => unknown): string {
  try {
    check();
    return 'accepted';
  } catch (error) {
    if (error instanceof SignatureInvalid) return `${error.scheme}:${error.reason}`;
    throw error;
  }
}

const cal = (signature: string | undefined, body = calcom.body, secrets: { current: string; previous?: string } = { current: calcom.secret }) =>
  verdict(() => verifyCalcomRequest({ signature, rawBody: Buffer.from(body) }, secrets));
const cly = (signature: string | undefined, now = at(calendly.timestamp), body = calendly.body, secrets: { current: string; previous?: string } = { current: calendly.key }) =>
  verdict(() => verifyCalendlyRequest({ signature, rawBody: Buffer.from(body) }, secrets, now));

describe("Cal.com's X-Cal-Signature-256", () => {
  it('is the hex HMAC-SHA256 of the raw body, as computed by hand, in either case', () => {
    expect(signCalcomWebhook(calcom.body, calcom.secret)).toBe(calcom.signature);
    expect(cal(calcom.signature)).toBe('accepted');
    expect(cal(calcom.signature.toUpperCase())).toBe('accepted');
  });

  it('refuses another secret, a changed body, or a missing or malformed header', () => {
    expect(cal(calcom.signature, calcom.body, { current: 'another-secret-0123456789' })).toBe('calcom:mismatch');
    expect(cal(calcom.signature, calcom.body.replace('lead-1', 'lead-2'))).toBe('calcom:mismatch');
    expect(cal(undefined)).toBe('calcom:missing-signature');
    // What Cal.com sends for a webhook saved without a secret.
    for (const signature of ['no-secret-provided', `sha256=${calcom.signature}`, calcom.signature.slice(1)]) expect(cal(signature), signature).toBe('calcom:malformed-signature');
  });

  it('accepts the secret before a rotation too', () => {
    expect(cal(calcom.signature, calcom.body, { current: 'the-new-secret-0123456789', previous: calcom.secret })).toBe('accepted');
  });

  it(`refuses a body whose createdAt is more than ${BOOKING_TOLERANCE_SECONDS / 60} minutes from our clock, either way`, () => {
    const sent = new Date('2026-12-01T09:00:00.000Z');
    const off = (seconds: number) => new Date(sent.getTime() + seconds * 1000);
    expect(verdict(() => refuseStaleCalcom(sent, off(BOOKING_TOLERANCE_SECONDS)))).toBe('accepted');
    expect(verdict(() => refuseStaleCalcom(sent, off(-BOOKING_TOLERANCE_SECONDS)))).toBe('accepted');
    expect(verdict(() => refuseStaleCalcom(sent, off(BOOKING_TOLERANCE_SECONDS + 1)))).toBe('calcom:stale');
    expect(verdict(() => refuseStaleCalcom(sent, off(-BOOKING_TOLERANCE_SECONDS - 1)))).toBe('calcom:stale');
  });

  it('reads the secret again once when neither value matches (a rotation not read yet)', async () => {
    const reads: boolean[] = [];
    const secrets = { calcomWebhookSecrets: async (read?: { fresh?: boolean }) => (reads.push(read?.fresh ?? false), { current: read?.fresh ? calcom.secret : 'the-value-before-0123456789' }) };
    await verifyCalcomSignature(secrets, { signature: calcom.signature, rawBody: Buffer.from(calcom.body) });
    expect(reads).toEqual([false, true]);
  });
});

describe("Calendly's Calendly-Webhook-Signature", () => {
  it('is t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">, as computed by hand', () => {
    expect(signCalendlyWebhook(calendly.body, calendly.timestamp, calendly.key)).toBe(calendlyHeader);
    expect(cly(calendlyHeader)).toBe('accepted');
    expect(cly(`v1=${calendly.mac.toUpperCase()}, t=${calendly.timestamp}`)).toBe('accepted');
    // One of several v1 values matching is enough.
    expect(cly(`t=${calendly.timestamp},v1=${'0'.repeat(64)},v1=${calendly.mac}`)).toBe('accepted');
  });

  it('refuses another key, a changed body, or the signature re-dated', () => {
    expect(cly(calendlyHeader, at(calendly.timestamp), calendly.body, { current: 'another-key-0123456789' })).toBe('calendly:mismatch');
    expect(cly(calendlyHeader, at(calendly.timestamp), calendly.body.replace('lead-1', 'lead-2'))).toBe('calendly:mismatch');
    expect(cly(`t=${calendly.timestamp + 1},v1=${calendly.mac}`, at(calendly.timestamp + 1))).toBe('calendly:mismatch');
  });

  it('accepts the key before a rotation too', () => {
    expect(cly(calendlyHeader, at(calendly.timestamp), calendly.body, { current: 'the-new-key-0123456789', previous: calendly.key })).toBe('accepted');
  });

  it(`refuses a delivery signed more than ${BOOKING_TOLERANCE_SECONDS / 60} minutes from our clock, either way`, () => {
    expect(cly(calendlyHeader, at(calendly.timestamp + BOOKING_TOLERANCE_SECONDS))).toBe('accepted');
    expect(cly(calendlyHeader, at(calendly.timestamp - BOOKING_TOLERANCE_SECONDS))).toBe('accepted');
    expect(cly(calendlyHeader, at(calendly.timestamp + BOOKING_TOLERANCE_SECONDS + 1))).toBe('calendly:stale');
    expect(cly(calendlyHeader, at(calendly.timestamp - BOOKING_TOLERANCE_SECONDS - 1))).toBe('calendly:stale');
  });

  it('says what is missing or malformed', () => {
    expect(cly(undefined)).toBe('calendly:missing-signature');
    for (const signature of [calendly.mac, `t=${calendly.timestamp}`, `t=${calendly.timestamp},v1=${calendly.mac.slice(2)}`, `v1=${calendly.mac}`, `t=${calendly.timestamp},v0=${calendly.mac}`]) {
      expect(cly(signature), signature).toBe('calendly:malformed-signature');
    }
    for (const t of ['soon', '-1', '1.5', '1'.repeat(14)]) expect(cly(`t=${t},v1=${calendly.mac}`), t).toBe('calendly:malformed-timestamp');
  });

  it('reads the key again once when neither value matches, and tells when Calendly signed', async () => {
    const reads: boolean[] = [];
    const secrets = { calendlySigningKeys: async (read?: { fresh?: boolean }) => (reads.push(read?.fresh ?? false), { current: read?.fresh ? calendly.key : 'the-value-before-0123456789' }) };
    expect(await verifyCalendlySignature(secrets, { signature: calendlyHeader, rawBody: Buffer.from(calendly.body) }, at(calendly.timestamp))).toEqual({ sentAt: calendly.timestamp });
    expect(reads).toEqual([false, true]);
  });
});

describe('the replay guard names a delivery by what its signature proves', () => {
  it("Cal.com's by its MAC whatever its case; Calendly's by its signed time and body, however the header is written", () => {
    const calBody = Buffer.from(calcom.body);
    expect(bookingDeliveryId('calcom', { signature: calcom.signature.toUpperCase(), rawBody: calBody })).toBe(`calcom-${calcom.signature}`);
    const body = Buffer.from(calendly.body);
    const id = bookingDeliveryId('calendly', { signature: calendlyHeader, rawBody: body });
    expect(bookingDeliveryId('calendly', { signature: `v1=${calendly.mac.toUpperCase()},t=${calendly.timestamp}`, rawBody: body })).toBe(id);
    expect(bookingDeliveryId('calendly', { signature: `t=${calendly.timestamp + 1},v1=${calendly.mac}`, rawBody: body })).not.toBe(id);
    expect(bookingDeliveryId('calendly', { signature: calendlyHeader, rawBody: Buffer.from(`${calendly.body} `) })).not.toBe(id);
  });
});

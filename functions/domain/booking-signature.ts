import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureInvalid, type SignatureProblem } from '@domain/errors';
import type { SecretSource, SecretVersions } from '@domain/ports';
import { checkAgainstSecret } from '@domain/secret-check';

/*
 * The scheduling tools sign the bookings they send us, each its own way:
 *
 *   Cal.com:  X-Cal-Signature-256: <hex HMAC-SHA256(webhook secret, raw body)>
 *             (no timestamp header: the body's signed `createdAt` says when it was sent)
 *   Calendly: Calendly-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(signing key, "<t>.<raw body>")>
 *
 * The MAC is compared first, in constant time, so only a holder of the secret learns that a
 * request was merely stale. The secret before the last rotation is accepted too.
 */
export const BOOKING_TOLERANCE_SECONDS = 5 * 60;

export const CALCOM_SIGNATURE_HEADER = 'x-cal-signature-256';
export const CALENDLY_SIGNATURE_HEADER = 'calendly-webhook-signature';

/** What a tool's signature covers, exactly as it arrived. */
export interface BookingSignedRequest {
  signature: string | undefined;
  /** The body's bytes before any parsing: a re-serialized JSON would not match. */
  rawBody: Buffer;
}

const HEX_MAC = /^[0-9a-f]{64}$/i;
// Up to 13 digits, so a timestamp in milliseconds is told "stale" (not "malformed").
const TIMESTAMP = /^\d{1,13}$/;

const hmac = (secret: string, ...parts: Array<string | Buffer>) => {
  const mac = createHmac('sha256', secret);
  for (const part of parts) mac.update(part);
  return mac.digest();
};

const sameMac = (given: Buffer, expected: Buffer) => given.length === expected.length && timingSafeEqual(given, expected);

const signedWithEither = (secrets: SecretVersions, matches: (secret: string) => boolean) =>
  matches(secrets.current) || (secrets.previous !== undefined && matches(secrets.previous));

/** The `X-Cal-Signature-256` for a body: what Cal.com computes (and our stand-in). */
export const signCalcomWebhook = (rawBody: Buffer | string, secret: string): string => hmac(secret, rawBody).toString('hex');

/**
 * Throws SignatureInvalid (401, scheme `calcom`) unless Cal.com signed these bytes. A webhook
 * saved in Cal.com without a secret is sent with the value "no-secret-provided": refused as malformed.
 */
export function verifyCalcomRequest(request: BookingSignedRequest, secrets: SecretVersions): void {
  const refuse = (reason: SignatureProblem) => new SignatureInvalid(reason, 'calcom');
  if (!request.signature) throw refuse('missing-signature');
  const given = request.signature.trim();
  if (!HEX_MAC.test(given)) throw refuse('malformed-signature');
  const actual = Buffer.from(given, 'hex');
  if (!signedWithEither(secrets, (secret) => sameMac(actual, hmac(secret, request.rawBody)))) throw refuse('mismatch');
}

/**
 * Cal.com's signature holds no time: the signed body's `createdAt` does. Checked once the MAC
 * matched, with the same tolerance either way as every other signed route.
 */
export function refuseStaleCalcom(createdAt: Date, now: Date, toleranceSeconds = BOOKING_TOLERANCE_SECONDS): void {
  if (Math.abs(now.getTime() - createdAt.getTime()) > toleranceSeconds * 1000) throw new SignatureInvalid('stale', 'calcom');
}

/** The `Calendly-Webhook-Signature` for a body sent at `timestamp` (unix seconds): what Calendly computes. */
export const signCalendlyWebhook = (rawBody: Buffer | string, timestamp: number | string, key: string): string =>
  `t=${timestamp},v1=${hmac(key, `${timestamp}.`, rawBody).toString('hex')}`;

/** The header's parts: `t` once, one or more `v1`. */
function calendlyParts(header: string): { timestamp: string; macs: Buffer[] } | undefined {
  let timestamp: string | undefined;
  const macs: Buffer[] = [];
  for (const part of header.split(',')) {
    const [name, value = ''] = part.split('=', 2).map((s) => s.trim());
    if (name === 't') timestamp = value;
    else if (name === 'v1') {
      if (!HEX_MAC.test(value)) return undefined;
      macs.push(Buffer.from(value, 'hex'));
    }
  }
  return timestamp === undefined || macs.length === 0 ? undefined : { timestamp, macs };
}

/** Throws SignatureInvalid (401, scheme `calendly`) unless Calendly signed this request within the tolerance. */
export function verifyCalendlyRequest(request: BookingSignedRequest, secrets: SecretVersions, now: Date, toleranceSeconds = BOOKING_TOLERANCE_SECONDS): { sentAt: number } {
  const refuse = (reason: SignatureProblem) => new SignatureInvalid(reason, 'calendly');
  if (!request.signature) throw refuse('missing-signature');
  const parts = calendlyParts(request.signature.trim());
  if (!parts) throw refuse('malformed-signature');
  if (!TIMESTAMP.test(parts.timestamp)) throw refuse('malformed-timestamp');
  const matches = (key: string) => {
    const expected = hmac(key, `${parts.timestamp}.`, request.rawBody);
    return parts.macs.some((mac) => sameMac(mac, expected));
  };
  if (!signedWithEither(secrets, matches)) throw refuse('mismatch');
  const sentAt = Number(parts.timestamp);
  if (Math.abs(now.getTime() / 1000 - sentAt) > toleranceSeconds) throw refuse('stale');
  return { sentAt };
}

/** verifyCalcomRequest with the secret as held, and on a mismatch once more with it read again (a rotation not read yet). */
export const verifyCalcomSignature = (secrets: Pick<SecretSource, 'calcomWebhookSecrets'>, request: BookingSignedRequest): Promise<void> =>
  checkAgainstSecret((read) => secrets.calcomWebhookSecrets(read), (versions) => verifyCalcomRequest(request, versions));

/** verifyCalendlyRequest likewise; answers when Calendly signed it (unix seconds). */
export async function verifyCalendlySignature(secrets: Pick<SecretSource, 'calendlySigningKeys'>, request: BookingSignedRequest, now: Date): Promise<{ sentAt: number }> {
  let signed: { sentAt: number } | undefined;
  await checkAgainstSecret((read) => secrets.calendlySigningKeys(read), (versions) => {
    signed = verifyCalendlyRequest(request, versions, now);
  });
  return signed!;
}

/**
 * A signed delivery's identity for the replay guard. Cal.com's MAC depends on the body alone:
 * its hex, lowercased (either case verifies). Calendly's header may be reordered or carry more
 * than one v1 without changing what it proves: the signed time and the body's digest instead.
 */
export function bookingDeliveryId(tool: 'calcom' | 'calendly', request: BookingSignedRequest): string {
  if (tool === 'calcom') return `calcom-${(request.signature ?? '').trim().toLowerCase()}`;
  const timestamp = calendlyParts((request.signature ?? '').trim())?.timestamp ?? '';
  return `calendly-${timestamp}-${createHash('sha256').update(request.rawBody).digest('hex')}`;
}

import { createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureInvalid } from '@domain/errors';
import type { SecretSource, SecretVersions } from '@domain/ports';
import { checkAgainstSecret } from '@domain/secret-check';

/**
 * A CRM (or a Slack workflow) marks a lead without the rep's email link by signing its
 * request with the shared secret:
 *
 *   X-Timestamp: <unix seconds when signed>
 *   X-Signature: sha256=<hex HMAC-SHA256(secret, "<X-Timestamp>.<raw body>")>
 *
 * The timestamp is inside the MAC, so a captured request cannot be re-dated, and requests
 * older (or newer) than the tolerance are refused, so it cannot be replayed later either.
 */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

export const SIGNATURE_HEADER = 'x-signature';
export const TIMESTAMP_HEADER = 'x-timestamp';

/** The parts of a request that the signature covers, exactly as they arrived. */
export interface SignedRequest {
  signature: string | undefined;
  timestamp: string | undefined;
  /** The body's bytes before any parsing: a re-serialized JSON would not match. */
  rawBody: Buffer;
}

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;
// Up to 13 digits, so a timestamp sent in milliseconds is told "stale" (not "malformed").
const TIMESTAMP = /^\d{1,13}$/;

const mac = (secret: string, timestamp: string, rawBody: Buffer | string) =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();

/** A signed request's identity (replay guard, delivery id): its signature's hex, lowercased, since either case verifies. */
export const webhookSignatureId = (signed: Pick<SignedRequest, 'signature'>): string => (signed.signature ?? '').trim().toLowerCase().replace(/^sha256=/, '');

/** The `X-Signature` value for a body signed at `timestamp` (unix seconds): what a CRM computes. */
export function signWebhook(rawBody: Buffer | string, timestamp: number | string, secret: string): string {
  return `sha256=${mac(secret, String(timestamp), rawBody).toString('hex')}`;
}

/**
 * Throws SignatureInvalid (401) unless the request carries a valid signature made within the
 * tolerance. The MAC is checked first, in constant time, so only a holder of the secret learns
 * that a request was merely stale. The secret before the last rotation is accepted too: a CRM
 * is given the new one after it is put, and signs with the old one until then.
 */
export function verifyWebhook(request: SignedRequest, secrets: SecretVersions, now: Date, toleranceSeconds = WEBHOOK_TOLERANCE_SECONDS): void {
  if (!request.signature) throw new SignatureInvalid('missing-signature');
  if (!request.timestamp) throw new SignatureInvalid('missing-timestamp');
  const given = SIGNATURE.exec(request.signature.trim())?.[1];
  if (!given) throw new SignatureInvalid('malformed-signature');
  const timestamp = request.timestamp.trim();
  if (!TIMESTAMP.test(timestamp)) throw new SignatureInvalid('malformed-timestamp');

  const actual = Buffer.from(given, 'hex');
  const signedWith = (secret: string) => {
    const expected = mac(secret, timestamp, request.rawBody);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  };
  if (!signedWith(secrets.current) && !(secrets.previous !== undefined && signedWith(secrets.previous))) throw new SignatureInvalid('mismatch');

  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > toleranceSeconds) throw new SignatureInvalid('stale');
}

/** verifyWebhook with the shared secret as this function holds it, and when neither value matches, once more with it read again now (a rotation this function has not read yet). */
export const verifySignedWebhook = (secrets: Pick<SecretSource, 'webhookSecrets'>, request: SignedRequest, now: Date): Promise<void> =>
  checkAgainstSecret((read) => secrets.webhookSecrets(read), (versions) => verifyWebhook(request, versions, now));

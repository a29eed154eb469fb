import { createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureInvalid } from '@domain/errors';
import type { SecretSource, SecretVersions } from '@domain/ports';
import { checkAgainstSecret } from '@domain/secret-check';

/**
 * HubSpot signs the requests it sends (app webhooks, and a workflow's "Send a webhook" with
 * "Include request signature in header") with the app's client secret, signature v3:
 *
 *   X-HubSpot-Request-Timestamp: <Unix time in milliseconds when HubSpot sent it>
 *   X-HubSpot-Signature-v3: base64(HMAC-SHA256(client secret, method + URI + body + timestamp))
 *
 * where the URI is the full URL HubSpot was configured with (scheme, host, path, query), with
 * the characters HubSpot's validation guide lists decoded. Requests older than five minutes are
 * refused. Written by hand rather than with @hubspot/api-client's `Signature.isValid`: that one
 * compares with `===` (not in constant time), accepts a timestamp from the future, throws
 * instead of saying why, and knows no second secret for a rotation.
 */
export const HUBSPOT_TOLERANCE_MS = 5 * 60 * 1000;

export const HUBSPOT_SIGNATURE_HEADER = 'x-hubspot-signature-v3';
export const HUBSPOT_TIMESTAMP_HEADER = 'x-hubspot-request-timestamp';

export interface HubspotSignedRequest {
  signature: string | undefined;
  timestamp: string | undefined;
  method: string;
  /** The URL as HubSpot was told it (our public base URL, the path and the query as sent). */
  uri: string;
  rawBody: Buffer;
}

// The percent-encodings HubSpot decodes before signing (its request validation guide).
const DECODED: Record<string, string> = {
  '%3A': ':', '%2F': '/', '%3F': '?', '%40': '@', '%21': '!', '%24': '$', '%27': "'", '%28': '(', '%29': ')', '%2A': '*', '%2C': ',', '%3B': ';',
};

/** The URI as HubSpot signs it: the listed percent-encodings decoded, any case of hex. */
export const hubspotSignedUri = (uri: string): string => uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (code) => DECODED[code.toUpperCase()]!);

const SIGNATURE = /^[A-Za-z0-9+/]{43}=$/;
// Milliseconds: 13 digits today. Up to 16, so seconds (10 digits) read as "stale", not "malformed".
const TIMESTAMP = /^\d{1,16}$/;

const mac = (secret: string, request: Pick<HubspotSignedRequest, 'method' | 'uri' | 'rawBody'>, timestamp: string) =>
  createHmac('sha256', secret).update(`${request.method.toUpperCase()}${hubspotSignedUri(request.uri)}`).update(request.rawBody).update(timestamp).digest();

/** The X-HubSpot-Signature-v3 HubSpot computes for a request sent at `timestamp` (ms): for tests and the local tools. */
export function signHubspotRequest(request: Pick<HubspotSignedRequest, 'method' | 'uri' | 'rawBody'>, timestamp: number | string, secret: string): string {
  return mac(secret, request, String(timestamp)).toString('base64');
}

/**
 * Throws SignatureInvalid (401, scheme `hubspot`) unless HubSpot signed this request within
 * five minutes of our clock, with the client secret or the one before a rotation. The MAC is
 * compared first, in constant time, so only a holder of the secret learns a request was stale.
 */
export function verifyHubspotRequest(request: HubspotSignedRequest, secrets: SecretVersions, now: Date, toleranceMs = HUBSPOT_TOLERANCE_MS): void {
  const refuse = (reason: ConstructorParameters<typeof SignatureInvalid>[0]) => new SignatureInvalid(reason, 'hubspot');
  if (!request.signature) throw refuse('missing-signature');
  if (!request.timestamp) throw refuse('missing-timestamp');
  const given = request.signature.trim();
  if (!SIGNATURE.test(given)) throw refuse('malformed-signature');
  const timestamp = request.timestamp.trim();
  if (!TIMESTAMP.test(timestamp)) throw refuse('malformed-timestamp');

  const actual = Buffer.from(given, 'base64');
  const signedWith = (secret: string) => {
    const expected = mac(secret, request, timestamp);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  };
  if (!signedWith(secrets.current) && !(secrets.previous !== undefined && signedWith(secrets.previous))) throw refuse('mismatch');
  if (Math.abs(now.getTime() - Number(timestamp)) > toleranceMs) throw refuse('stale');
}

/** verifyHubspotRequest with the client secret as held, and on a mismatch once more with it read again (a rotation not read yet). */
export const verifyHubspotSignature = (secrets: Pick<SecretSource, 'hubspotClientSecrets'>, request: HubspotSignedRequest, now: Date): Promise<void> =>
  checkAgainstSecret((read) => secrets.hubspotClientSecrets(read), (versions) => verifyHubspotRequest(request, versions, now));

/** A delivery's identity for idempotency: its MAC, marked as HubSpot's. */
export const hubspotDeliveryId = (request: Pick<HubspotSignedRequest, 'signature'>): string => `hubspot:${(request.signature ?? '').trim()}`;

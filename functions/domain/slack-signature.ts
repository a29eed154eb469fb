import { createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureInvalid } from '@domain/errors';
import type { SecretSource, SecretVersions } from '@domain/ports';
import { checkAgainstSecret } from '@domain/secret-check';

/**
 * Slack signs every request it sends us (a button click) with the app's signing secret
 * ("Verifying requests from Slack"):
 *
 *   X-Slack-Request-Timestamp: <unix seconds when Slack sent it>
 *   X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:<timestamp>:<raw body>")>
 *
 * The timestamp is inside the MAC and must be within five minutes of our clock; the same signed
 * request sent again inside that window is refused by a claim on its signature (slack-interaction.ts).
 */
export const SLACK_TOLERANCE_SECONDS = 5 * 60;

export const SLACK_SIGNATURE_HEADER = 'x-slack-signature';
export const SLACK_TIMESTAMP_HEADER = 'x-slack-request-timestamp';

/** What Slack's signature covers, exactly as it arrived. */
export interface SlackSignedRequest {
  signature: string | undefined;
  timestamp: string | undefined;
  /** The body's bytes before any parsing. */
  rawBody: Buffer;
}

const SIGNATURE = /^v0=([0-9a-f]{64})$/i;
// Up to 13 digits, so a timestamp in milliseconds is told "stale" (not "malformed").
const TIMESTAMP = /^\d{1,13}$/;

const mac = (secret: string, timestamp: string, rawBody: Buffer | string) => createHmac('sha256', secret).update(`v0:${timestamp}:`).update(rawBody).digest();

/** The `X-Slack-Signature` for a body sent at `timestamp` (unix seconds): what Slack computes (and our stand-in). */
export function signSlackRequest(rawBody: Buffer | string, timestamp: number | string, secret: string): string {
  return `v0=${mac(secret, String(timestamp), rawBody).toString('hex')}`;
}

/**
 * Throws SignatureInvalid (401, scheme `slack`) unless Slack signed this request within the
 * tolerance. The MAC is compared first, in constant time, so only a holder of the secret learns
 * that a request was merely stale; the secret before the last rotation is accepted too.
 */
export function verifySlackRequest(request: SlackSignedRequest, secrets: SecretVersions, now: Date, toleranceSeconds = SLACK_TOLERANCE_SECONDS): void {
  const refuse = (reason: ConstructorParameters<typeof SignatureInvalid>[0]) => new SignatureInvalid(reason, 'slack');
  if (!request.signature) throw refuse('missing-signature');
  if (!request.timestamp) throw refuse('missing-timestamp');
  const given = SIGNATURE.exec(request.signature.trim())?.[1];
  if (!given) throw refuse('malformed-signature');
  const timestamp = request.timestamp.trim();
  if (!TIMESTAMP.test(timestamp)) throw refuse('malformed-timestamp');

  const actual = Buffer.from(given, 'hex');
  const signedWith = (secret: string) => {
    const expected = mac(secret, timestamp, request.rawBody);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  };
  if (!signedWith(secrets.current) && !(secrets.previous !== undefined && signedWith(secrets.previous))) throw refuse('mismatch');
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > toleranceSeconds) throw refuse('stale');
}

/** verifySlackRequest with the signing secret as held, and on a mismatch once more with it read again (a rotation not read yet). */
export const verifySlackSignature = (secrets: Pick<SecretSource, 'slackSigningSecrets'>, request: SlackSignedRequest, now: Date): Promise<void> =>
  checkAgainstSecret((read) => secrets.slackSigningSecrets(read), (versions) => verifySlackRequest(request, versions, now));

/** A signed request's identity for the replay guard: its MAC's hex, lowercased (either case verifies), marked as Slack's. */
export const slackSignatureId = (request: SlackSignedRequest): string => `slack-${(request.signature ?? '').trim().toLowerCase().replace(/^v0=/, '')}`;

import { createHmac, timingSafeEqual } from 'node:crypto';
import { TokenInvalid } from '@domain/errors';
import type { SecretSource, SecretVersions } from '@domain/ports';

/**
 * Signed links in emails: a rep's "mark contacted" link and a lead's unsubscribe link.
 * The token is `base64url(claims).base64url(HMAC-SHA256(claims))`; it is bound to the lead,
 * the purpose and (for reps) the rep; a rep's link expires, a lead's unsubscribe link does not
 * (see verifyLink). Hand-written on node:crypto because it
 * is a dozen lines and a JWT library would add weight to every email-sending bundle.
 */
export type LinkPurpose = 'contact' | 'unsubscribe';

export interface LinkClaims {
  leadId: string;
  purpose: LinkPurpose;
  repId?: string;
  /** Expiry, seconds since epoch: a rep's link has one; a lead's unsubscribe link needs none. */
  expiresAt?: number;
}

interface WireClaims {
  l: string;
  p: LinkPurpose;
  r?: string;
  e?: number;
}

const mac = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest();

export function signLink(claims: LinkClaims, secret: string): string {
  const wire: WireClaims = {
    l: claims.leadId,
    p: claims.purpose,
    ...(claims.expiresAt !== undefined ? { e: claims.expiresAt } : {}),
    ...(claims.repId ? { r: claims.repId } : {}),
  };
  const body = Buffer.from(JSON.stringify(wire)).toString('base64url');
  return `${body}.${mac(secret, body).toString('base64url')}`;
}

const signedWith = (given: Buffer, body: string, secret: string) => {
  const wanted = mac(secret, body);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
};

/**
 * Checks signature (constant time, against the current key, then the one before the last
 * rotation), purpose, lead and expiry; throws TokenInvalid with why.
 *
 * An unsubscribe link works for as long as the lead exists, whatever its expiry: mail clients
 * keep offering a message's one-click unsubscribe (RFC 8058) and the law wants it honoured
 * long after the email was sent. That includes links signed with an `e` claim before this
 * rule: unsubscribing is all such a token can do, and it does what the lead asked.
 */
export function verifyLink(
  token: unknown,
  expected: { leadId: string; purpose: LinkPurpose },
  secrets: SecretVersions,
  now: Date,
): LinkClaims {
  if (typeof token !== 'string' || token.length > 1024) throw new TokenInvalid('malformed');
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) throw new TokenInvalid('malformed');
  const given = Buffer.from(signature, 'base64url');
  const signed = signedWith(given, body, secrets.current) || (secrets.previous !== undefined && signedWith(given, body, secrets.previous));
  if (!signed) throw new TokenInvalid('signature');
  let wire: WireClaims;
  try {
    wire = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as WireClaims;
  } catch {
    throw new TokenInvalid('malformed');
  }
  if (wire.p !== expected.purpose) throw new TokenInvalid('wrong-purpose');
  if (wire.l !== expected.leadId) throw new TokenInvalid('wrong-lead');
  if (wire.p !== 'unsubscribe' && (typeof wire.e !== 'number' || wire.e * 1000 < now.getTime())) throw new TokenInvalid('expired');
  return { leadId: wire.l, purpose: wire.p, ...(typeof wire.e === 'number' ? { expiresAt: wire.e } : {}), ...(wire.r ? { repId: wire.r } : {}) };
}

/**
 * verifyLink with the link secret as this function holds it; when neither value matches, once
 * more with it read again now: right after a rotation, another function may already sign with
 * the new value that this one has not read yet.
 */
export async function verifySignedLink(secrets: Pick<SecretSource, 'linkSecrets'>, token: unknown, expected: { leadId: string; purpose: LinkPurpose }, now: Date): Promise<LinkClaims> {
  try {
    return verifyLink(token, expected, await secrets.linkSecrets(), now);
  } catch (error) {
    if (!(error instanceof TokenInvalid && error.reason === 'signature')) throw error;
    return verifyLink(token, expected, await secrets.linkSecrets({ fresh: true }), now);
  }
}

export const expiryAfterDays = (now: Date, days: number): number => Math.floor(now.getTime() / 1000) + days * 86_400;

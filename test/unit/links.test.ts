import { describe, expect, it } from 'vitest';
import { expiryAfterDays, signLink, verifyLink, verifySignedLink } from '@domain/links';

const secret = 'a-test-secret-that-is-long-enough';
const keys = { current: secret };
const now = new Date('2026-11-02T10:00:00Z');
const token = signLink({ leadId: 'lead-1', purpose: 'contact', repId: 'rep-ana', expiresAt: expiryAfterDays(now, 30) }, secret);

const reasonOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as { name: string; reason: string }).name + ':' + (error as { reason: string }).reason;
  }
  return 'accepted';
};

describe('signed links', () => {
  it('accept the rep link they were made for and carry the rep', () => {
    expect(verifyLink(token, { leadId: 'lead-1', purpose: 'contact' }, keys, now)).toMatchObject({ leadId: 'lead-1', repId: 'rep-ana' });
  });

  it('refuse another lead, another purpose, an expired link, a tampered or truncated token', () => {
    const [body, sig] = token.split('.');
    expect(reasonOf(() => verifyLink(token, { leadId: 'lead-2', purpose: 'contact' }, keys, now))).toBe('TokenInvalid:wrong-lead');
    expect(reasonOf(() => verifyLink(token, { leadId: 'lead-1', purpose: 'unsubscribe' }, keys, now))).toBe('TokenInvalid:wrong-purpose');
    expect(reasonOf(() => verifyLink(token, { leadId: 'lead-1', purpose: 'contact' }, keys, new Date('2026-12-03T10:00:00Z')))).toBe('TokenInvalid:expired');
    expect(reasonOf(() => verifyLink(token, { leadId: 'lead-1', purpose: 'contact' }, { current: 'another-secret-entirely' }, now))).toBe('TokenInvalid:signature');
    expect(reasonOf(() => verifyLink(`${body}.${sig!.slice(0, -2)}`, { leadId: 'lead-1', purpose: 'contact' }, keys, now))).toBe('TokenInvalid:signature');
    expect(reasonOf(() => verifyLink(body, { leadId: 'lead-1', purpose: 'contact' }, keys, now))).toBe('TokenInvalid:malformed');
    expect(reasonOf(() => verifyLink('!!!.???', { leadId: 'lead-1', purpose: 'contact' }, keys, now))).toBe('TokenInvalid:signature');
    expect(reasonOf(() => verifyLink(undefined, { leadId: 'lead-1', purpose: 'contact' }, keys, now))).toBe('TokenInvalid:malformed');
  });

  it('refuse a body swapped from another valid token', () => {
    const other = signLink({ leadId: 'lead-2', purpose: 'contact', expiresAt: expiryAfterDays(now, 30) }, secret);
    const swapped = `${other.split('.')[0]}.${token.split('.')[1]}`;
    expect(reasonOf(() => verifyLink(swapped, { leadId: 'lead-2', purpose: 'contact' }, keys, now))).toBe('TokenInvalid:signature');
  });
});

describe('across a rotation of the link secret', () => {
  const [older, old, latest] = ['the-key-two-rotations-ago-0000', 'the-key-before-the-rotation-00', 'the-key-after-the-rotation-000'];
  const contact = (key: string) => signLink({ leadId: 'lead-1', purpose: 'contact', expiresAt: expiryAfterDays(now, 30) }, key);
  const rotated = { current: latest, previous: old };

  it('accept links signed with the current key or the previous one', () => {
    expect(reasonOf(() => verifyLink(contact(latest), { leadId: 'lead-1', purpose: 'contact' }, rotated, now))).toBe('accepted');
    expect(reasonOf(() => verifyLink(contact(old), { leadId: 'lead-1', purpose: 'contact' }, rotated, now))).toBe('accepted');
  });

  it('refuse a link signed with a key two rotations old, or with the previous key once it is gone', () => {
    expect(reasonOf(() => verifyLink(contact(older), { leadId: 'lead-1', purpose: 'contact' }, rotated, now))).toBe('TokenInvalid:signature');
    expect(reasonOf(() => verifyLink(contact(old), { leadId: 'lead-1', purpose: 'contact' }, { current: latest }, now))).toBe('TokenInvalid:signature');
  });
});

describe("a lead's unsubscribe link", () => {
  const sentAt = new Date('2026-01-05T09:00:00Z');
  const yearLater = new Date('2027-01-05T09:00:00Z');
  const check = (token: string, purpose: 'contact' | 'unsubscribe', at: Date) => reasonOf(() => verifyLink(token, { leadId: 'lead-1', purpose }, keys, at));

  it('works long after the email was sent, while a rep link as old is refused as expired', () => {
    const unsubscribe = signLink({ leadId: 'lead-1', purpose: 'unsubscribe' }, secret);
    const rep = signLink({ leadId: 'lead-1', purpose: 'contact', repId: 'rep-ana', expiresAt: expiryAfterDays(sentAt, 30) }, secret);
    expect(check(unsubscribe, 'unsubscribe', yearLater)).toBe('accepted');
    expect(check(rep, 'contact', new Date('2026-02-05T09:00:00Z'))).toBe('TokenInvalid:expired');
  });

  it('signed with an expiry (as links were before), still works after it', () => {
    const issuedWithExpiry = signLink({ leadId: 'lead-1', purpose: 'unsubscribe', expiresAt: expiryAfterDays(sentAt, 30) }, secret);
    expect(check(issuedWithExpiry, 'unsubscribe', yearLater)).toBe('accepted');
  });

  it('is still bound to its lead, its purpose and its signature', () => {
    const unsubscribe = signLink({ leadId: 'lead-1', purpose: 'unsubscribe' }, secret);
    expect(reasonOf(() => verifyLink(unsubscribe, { leadId: 'lead-2', purpose: 'unsubscribe' }, keys, yearLater))).toBe('TokenInvalid:wrong-lead');
    expect(check(unsubscribe, 'contact', yearLater)).toBe('TokenInvalid:wrong-purpose');
    expect(check(signLink({ leadId: 'lead-1', purpose: 'unsubscribe' }, 'not-the-secret-at-all-000'), 'unsubscribe', yearLater)).toBe('TokenInvalid:signature');
    // A rep link without an expiry is not one we sign: refused as expired.
    expect(check(signLink({ leadId: 'lead-1', purpose: 'contact' }, secret), 'contact', sentAt)).toBe('TokenInvalid:expired');
  });
});

describe('a link signed with a value this function has not read yet', () => {
  const [old, latest] = ['the-key-before-the-rotation-00', 'the-key-after-the-rotation-000'];
  /** A function's secrets: read before the rotation; a fresh read finds the new value. */
  const heldSince = (reads: string[]) => ({
    linkSecrets: async (read?: { fresh?: boolean }) => {
      reads.push(read?.fresh ? 'fresh' : 'cached');
      return read?.fresh ? { current: latest, previous: old } : { current: old };
    },
  });
  const contact = (key: string) => signLink({ leadId: 'lead-1', purpose: 'contact', expiresAt: expiryAfterDays(now, 30) }, key);

  it('verifies after one fresh read; a link it holds the key for needs none; a forged one is refused after one', async () => {
    const reads: string[] = [];
    await expect(verifySignedLink(heldSince(reads), contact(latest), { leadId: 'lead-1', purpose: 'contact' }, now)).resolves.toMatchObject({ leadId: 'lead-1' });
    expect(reads).toEqual(['cached', 'fresh']);
    reads.length = 0;
    await verifySignedLink(heldSince(reads), contact(old), { leadId: 'lead-1', purpose: 'contact' }, now);
    expect(reads).toEqual(['cached']);
    reads.length = 0;
    await expect(verifySignedLink(heldSince(reads), contact('a-forged-key-of-some-length-0'), { leadId: 'lead-1', purpose: 'contact' }, now)).rejects.toMatchObject({ reason: 'signature' });
    expect(reads).toEqual(['cached', 'fresh']);
    // Refused for another reason (expired): no fresh read, the signature was fine.
    reads.length = 0;
    const expired = signLink({ leadId: 'lead-1', purpose: 'contact', expiresAt: expiryAfterDays(now, -1) }, old);
    await expect(verifySignedLink(heldSince(reads), expired, { leadId: 'lead-1', purpose: 'contact' }, now)).rejects.toMatchObject({ reason: 'expired' });
    expect(reads).toEqual(['cached']);
  });
});

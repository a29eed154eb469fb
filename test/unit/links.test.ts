import { describe, expect, it } from 'vitest';
import { expiryAfterDays, signLink, verifyLink } from '@domain/links';

const secret = 'a-test-secret-that-is-long-enough';
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
    expect(verifyLink(token, { leadId: 'lead-1', purpose: 'contact' }, secret, now)).toMatchObject({ leadId: 'lead-1', repId: 'rep-ana' });
  });

  it('refuse another lead, another purpose, an expired link, a tampered or truncated token', () => {
    const [body, sig] = token.split('.');
    expect(reasonOf(() => verifyLink(token, { leadId: 'lead-2', purpose: 'contact' }, secret, now))).toBe('TokenInvalid:wrong-lead');
    expect(reasonOf(() => verifyLink(token, { leadId: 'lead-1', purpose: 'unsubscribe' }, secret, now))).toBe('TokenInvalid:wrong-purpose');
    expect(reasonOf(() => verifyLink(token, { leadId: 'lead-1', purpose: 'contact' }, secret, new Date('2026-12-03T10:00:00Z')))).toBe('TokenInvalid:expired');
    expect(reasonOf(() => verifyLink(token, { leadId: 'lead-1', purpose: 'contact' }, 'another-secret-entirely', now))).toBe('TokenInvalid:signature');
    expect(reasonOf(() => verifyLink(`${body}.${sig!.slice(0, -2)}`, { leadId: 'lead-1', purpose: 'contact' }, secret, now))).toBe('TokenInvalid:signature');
    expect(reasonOf(() => verifyLink(body, { leadId: 'lead-1', purpose: 'contact' }, secret, now))).toBe('TokenInvalid:malformed');
    expect(reasonOf(() => verifyLink('!!!.???', { leadId: 'lead-1', purpose: 'contact' }, secret, now))).toBe('TokenInvalid:signature');
    expect(reasonOf(() => verifyLink(undefined, { leadId: 'lead-1', purpose: 'contact' }, secret, now))).toBe('TokenInvalid:malformed');
  });

  it('refuse a body swapped from another valid token', () => {
    const other = signLink({ leadId: 'lead-2', purpose: 'contact', expiresAt: expiryAfterDays(now, 30) }, secret);
    const swapped = `${other.split('.')[0]}.${token.split('.')[1]}`;
    expect(reasonOf(() => verifyLink(swapped, { leadId: 'lead-2', purpose: 'contact' }, secret, now))).toBe('TokenInvalid:signature');
  });
});

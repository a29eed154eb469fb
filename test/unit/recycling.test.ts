import { describe, expect, it } from 'vitest';
import type { Lead } from '@domain/lead';
import { returnsToNurture } from '@domain/recycling';
import { scheduleFor, SequenceSchema } from '@domain/sequence';
import { sequenceTimeoutSeconds } from '@domain/sequence-span';
import { nurtureEmail } from '@domain/templates';
import { loadConfig } from '../../lib/config';

/** Recycling's rules: which rejections return a lead to nurture, the config's refusals, and the nurture schedule. */
const sequence = SequenceSchema.parse({ hotAlertAfterMinutes: 5, followUpDays: [1, 3, 7, 14], nurture: { reasons: ['no-timeline', 'no-budget'], afterDays: [30, 60, 90] } });
const rejected = (rejectReason: string, fields: Partial<Lead> = {}) => ({ status: 'contacted' as const, outcome: 'rejected' as const, rejectReason, ...fields });

describe('a rejection that returns the lead to nurture', () => {
  it('is one whose reason the config names as "not now", of a lead still reachable', () => {
    expect(returnsToNurture(rejected('no-timeline'), sequence)).toBe(true);
    expect(returnsToNurture(rejected('no-budget'), sequence)).toBe(true);
    expect(returnsToNurture(rejected('wrong-role'), sequence)).toBe(false);
    expect(returnsToNurture(rejected('spam'), sequence)).toBe(false);
    expect(returnsToNurture(rejected('no-timeline', { unsubscribedAt: '2026-11-01T00:00:00Z' }), sequence)).toBe(false);
    expect(returnsToNurture(rejected('no-timeline', { status: 'bounced' }), sequence)).toBe(false);
    expect(returnsToNurture({ status: 'contacted', outcome: 'accepted' }, sequence)).toBe(false);
    expect(returnsToNurture(rejected('no-timeline'), { nurture: undefined })).toBe(false);
  });
});

describe('the nurture config', () => {
  const issues = (nurture: unknown) => {
    const result = SequenceSchema.safeParse({ hotAlertAfterMinutes: 5, followUpDays: [1, 3, 7, 14], nurture });
    return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  };

  it('refuses spam and duplicate as "not now" reasons, naming the ones it takes', () => {
    expect(issues({ reasons: ['spam'], afterDays: [30] })[0]).toMatch(/^nurture\.reasons\.0: must be reasons that mean "not now", from no-budget, wrong-role, bad-fit, no-timeline, other \(spam and duplicate always end a lead\)$/);
    expect(issues({ reasons: ['duplicate'], afterDays: [30] })).toHaveLength(1);
  });

  it('refuses nurture days before the last follow-up, or out of order', () => {
    expect(issues({ reasons: ['no-timeline'], afterDays: [10, 40] })).toEqual(['nurture.afterDays: nurture.afterDays must all come after the last follow-up day']);
    expect(issues({ reasons: ['no-timeline'], afterDays: [60, 30] })).toEqual(['nurture.afterDays: nurture days must be strictly increasing, e.g. [30, 60, 90]']);
  });
});

describe('the nurture schedule', () => {
  it('is fixed at submission with the rest of the schedule, and the workflow lives long enough for it', () => {
    const schedule = scheduleFor(new Date('2026-11-02T10:00:00Z'), sequence);
    expect(schedule.nurture).toEqual({ touch1: '2026-12-02T10:00:00.000Z', touch2: '2027-01-01T10:00:00.000Z', touch3: '2027-01-31T10:00:00.000Z' });
    expect(scheduleFor(new Date('2026-11-02T10:00:00Z'), { ...sequence, nurture: undefined }).nurture).toBeUndefined();
    // Day 90, and a day for its step.
    expect(sequenceTimeoutSeconds(sequence)).toBe(91 * 86_400);
  });

  it('has its email in lib/config/emails/nurture.mjml: the way back in one reply, the last one saying so, escaping what the lead typed', async () => {
    const { compileEmails } = await import('../../lib/emails');
    const catalog = compileEmails({ ...loadConfig('dev'), sequence });
    const lead = { leadId: 'l', email: 'a@b.io', name: 'Ann <b>', company: 'A&B', formId: 'pricing' } as Lead;
    const links = { unsubscribeUrl: 'https://x.io/u', postalAddress: '1 Main St' };
    expect(nurtureEmail(catalog, lead, 1, 3, links).subject).toBe('Ann, checking in');
    expect(nurtureEmail(catalog, lead, 3, 3, links).subject).toBe('Ann, checking in one last time');
    expect(nurtureEmail(catalog, lead, 3, 3, links).text).toMatch(/This is our last note about it/);
    expect(nurtureEmail(catalog, lead, 1, 3, links).html).toContain('for A&amp;B');
    expect(nurtureEmail(catalog, lead, 1, 3, links).text).toContain('https://x.io/u');
  });
});

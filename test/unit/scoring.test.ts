import { describe, expect, it } from 'vitest';
import { gradeFor, scoreLead } from '@domain/scoring';
import { assignOwner } from '@domain/routing';
import type { Rep } from '@domain/rep';

describe('scoring a lead', () => {
  it('grades a director at a mid-size company asking for a demo as hot, with reasons a rep can read', () => {
    const score = scoreLead({
      email: 'dana@acme.io',
      name: 'Dana Director',
      jobTitle: 'Director of Sales',
      companySize: '201-500',
      formId: 'demo-request',
      message: 'We need pricing for 40 seats',
    });
    expect(score.grade).toBe('hot');
    expect(score.score).toBeGreaterThanOrEqual(70);
    expect(score.reasons).toContain('asked for a demo');
    expect(score.reasons.join(' ')).toMatch(/director-level/);
    expect(score.model).toBe('v1');
  });

  it('grades a free-mail newsletter sign-up as cold', () => {
    const score = scoreLead({ email: 'sam@gmail.com', name: 'Sam', formId: 'newsletter' });
    expect(score.grade).toBe('cold');
    expect(score.reasons).toEqual([]);
  });

  it('weighs intent over fit: a manager asking about pricing beats an executive reading a blog', () => {
    const pricing = scoreLead({ email: 'm@corp.com', name: 'M', jobTitle: 'Marketing Manager', formId: 'pricing' });
    const reading = scoreLead({ email: 'c@corp.com', name: 'C', jobTitle: 'CEO', formId: 'ebook-download' });
    expect(pricing.score).toBeGreaterThan(reading.score);
  });

  it('is deterministic', () => {
    const lead = { email: 'x@corp.com', name: 'X', jobTitle: 'VP Ops', formId: 'contact-sales', companySize: '1000+' };
    expect(scoreLead(lead)).toEqual(scoreLead(lead));
  });

  it('caps the score at 100 and draws grade lines at 70 and 40', () => {
    expect(gradeFor(70)).toBe('hot');
    expect(gradeFor(69)).toBe('warm');
    expect(gradeFor(40)).toBe('warm');
    expect(gradeFor(39)).toBe('cold');
    const maxed = scoreLead({
      email: 'ceo@big.com', name: 'C', jobTitle: 'CEO', companySize: '5000', formId: 'demo',
      pageUrl: 'https://big.com/pricing', message: 'demo and quote please', utm_medium: 'cpc',
    });
    expect(maxed.score).toBe(100);
  });
});

describe('routing a lead', () => {
  const reps: Rep[] = [
    { id: 'rep-ana', name: 'Ana', email: 'ana@example.com', active: true },
    { id: 'rep-ben', name: 'Ben', email: 'ben@example.com', active: false },
    { id: 'rep-cho', name: 'Cho', email: 'cho@example.com', active: true },
  ];

  it('takes turns over the active reps, skipping a rep on leave', () => {
    expect([0, 1, 2, 3].map((turn) => assignOwner(reps, turn).id)).toEqual(['rep-ana', 'rep-cho', 'rep-ana', 'rep-cho']);
  });

  it('says what to fix when nobody is active', () => {
    expect(() => assignOwner([{ ...reps[1]! }], 0)).toThrow(/at least one rep active/);
  });
});

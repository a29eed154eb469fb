import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LeadSubmission } from '@domain/lead';
import { employeesAtLeast, scoreLead, type LeadHistory } from '@domain/scoring';
import { parseScoringModel } from '@domain/scoring-model';
import modelFile from '../../lib/config/scoring-model.json';

const model = parseScoringModel(modelFile, 'lib/config/scoring-model.json');
const at = '2026-11-10T10:00:00.000Z';

type Case = [string, Partial<LeadSubmission> & { email: string }, 'hot' | 'warm' | 'cold' | 'disqualify', string?, LeadHistory?];

// Realistic leads as marketing sees them: the grade a sales lead would expect, and the reason
// that should be on the alert.
const cases: Case[] = [
  ['director at a mid-size SaaS asking for a demo and pricing', { email: 'dana@acme.io', jobTitle: 'Director of Sales', companySize: '201-500', industry: 'SaaS', country: 'US', formId: 'demo-request', message: 'We need pricing for 40 seats' }, 'hot', 'Director at 201-500 employee SaaS company'],
  ['CEO of a small German company asking for a demo', { email: 'ceo@kleinfirma.de', jobTitle: 'CEO', companySize: '51-200', country: 'Germany', formId: 'demo' }, 'hot', 'asked for a demo'],
  ['marketing manager at a tiny company on the newsletter', { email: 'mm@gmail.com', jobTitle: 'Marketing Manager', companySize: '11-50', formId: 'newsletter' }, 'cold'],
  ['a student at a university', { email: 'kim@uni.edu', jobTitle: 'Research assistant', formId: 'demo' }, 'disqualify', 'student'],
  ['a no-reply address', { email: 'noreply@corp.com', formId: 'demo' }, 'disqualify', 'role or test address (noreply@)'],
  ['a competitor', { email: 'spy@competitor.example', jobTitle: 'CEO', formId: 'pricing' }, 'disqualify', 'blocked domain (competitor.example)'],
  ['a free-mail demo request with nothing else', { email: 'someone@gmail.com', formId: 'demo' }, 'warm', 'asked for a demo'],
  ['VP at a large fintech downloading a whitepaper', { email: 'vp@bigbank.com', jobTitle: 'VP Engineering', companySize: '1000+', industry: 'Fintech', formId: 'whitepaper-2026' }, 'warm', 'downloaded content'],
  ['head of ops at a "10k" company on the pricing page', { email: 'ops@huge.com', jobTitle: 'Head of Operations', companySize: '10k', formId: 'pricing', pageUrl: 'https://www.example.com/pricing?plan=team' }, 'hot', 'asked about pricing'],
  ['a German Geschäftsführer asking for an Angebot', { email: 'gf@mittelstand.de', jobTitle: 'Geschäftsführer', companySize: '50-200', country: 'DE', formId: 'contact-sales', message: 'Bitte ein Angebot' }, 'hot', 'mentioned "angebot"'],
  ['a French directeur commercial at a webinar', { email: 'dc@societe.fr', jobTitle: 'Directeur commercial', companySize: '200-500', country: 'France', formId: 'webinar-q4' }, 'warm', 'Director at 200-500 employee company'],
  ['an office manager at a tiny company asking about pricing', { email: 'om@smallco.com', jobTitle: 'Office Manager', companySize: '1-10', formId: 'pricing' }, 'warm', 'asked about pricing'],
  ['an intern reading an ebook', { email: 'intern@gmail.com', jobTitle: 'Intern', formId: 'ebook' }, 'cold'],
  ['an unknown person on the contact form', { email: 'x@corp.com', formId: 'contact' }, 'cold', 'contacted sales'],
  ['a manager back within a week on pricing', { email: 'back@corp.com', jobTitle: 'IT Manager', companySize: '201-500', formId: 'pricing' }, 'warm', 'second visit in 7 days', { previousVisits: ['2026-11-03T10:00:00.000Z'], accountContacts: 1 }],
  ['a director from a paid campaign asking for a demo', { email: 'd@midco.com', jobTitle: 'Director Marketing', companySize: '51-200', formId: 'demo', utm_source: 'google', utm_medium: 'cpc' }, 'hot', 'paid campaign (google)'],
  ['a test address at a real company', { email: 'test@acme.io', formId: 'demo' }, 'disqualify', 'role or test address (test@)'],
  ['a Spanish gerente asking for a demo', { email: 'g@empresa.es', jobTitle: 'Gerente de ventas', companySize: '51-200', country: 'España', formId: 'demo' }, 'warm', 'asked for a demo'],
  ['a CTO of a large US software company wanting a trial', { email: 'cto@bigsoft.com', jobTitle: 'CTO', companySize: '5000+', industry: 'Software', country: 'US', formId: 'demo', pageUrl: 'https://x.com/product/tour', message: 'Can we start a trial?' }, 'hot', 'asked for a demo'],
  ['a solo founder on gmail asking for a demo', { email: 'f@gmail.com', jobTitle: 'Founder', companySize: '2-10', formId: 'demo' }, 'warm', 'asked for a demo'],
  ['an analyst at a large company on the newsletter', { email: 'a@bigco.com', jobTitle: 'Analyst', companySize: '1000+', formId: 'newsletter' }, 'cold'],
  ['a director asking for pricing by message only', { email: 'd@corp.com', jobTitle: 'Sales Director', message: "What's your pricing?" }, 'cold', 'mentioned "pricing"'],
  ['a title in Japanese', { email: 'bucho@kaisha.jp', jobTitle: '営業部長', companySize: '200-500', formId: 'demo' }, 'warm', 'asked for a demo'],
  ['a VP in the UK on the contact-sales form', { email: 'vp@shop.co.uk', jobTitle: 'VP Marketing', companySize: '1,000+', industry: 'eCommerce', country: 'United Kingdom', formId: 'contact-sales' }, 'warm', 'contacted sales'],
  ['a Canadian CFO asking for a demo', { email: 'cfo@maple.ca', jobTitle: 'CFO', companySize: '201-1000', country: 'Canada', formId: 'demo' }, 'hot', 'Executive at 201-1000 employee company'],
  ['a head of growth on paid social asking for pricing', { email: 'hog@startup.io', jobTitle: 'Head of Growth', companySize: '51-200', formId: 'pricing', utm_source: 'linkedin', utm_medium: 'paid-social' }, 'warm', 'paid campaign (linkedin)'],
  ['a chief revenue officer asking for a demo', { email: 'cro@scale.com', jobTitle: 'Chief Revenue Officer', companySize: '250', formId: 'demo' }, 'hot', 'Executive at 250 employee company'],
  ['a student by title on a business domain', { email: 'sam@corp.com', jobTitle: 'Student', formId: 'demo' }, 'disqualify', 'student'],
  ['no company and an unknown time zone', { email: 'n@corp.com', formId: 'demo', timezone: 'Mars/Olympus' }, 'warm', 'asked for a demo'],
  ['a third visit from a manager downloading a report', { email: 'm@corp.com', jobTitle: 'Product Manager', companySize: '51-200', formId: 'report' }, 'cold', 'third visit in 2 days', { previousVisits: ['2026-11-08T10:00:00.000Z', '2026-11-05T10:00:00.000Z'], accountContacts: 1 }],
  ['a visit from 40 days ago does not count as a repeat', { email: 'old@corp.com', formId: 'pricing' }, 'cold', undefined, { previousVisits: ['2026-10-01T10:00:00.000Z'], accountContacts: 1 }],
  ['a lead from a busy target account', { email: 'third@acme.io', jobTitle: 'Director IT', companySize: '201-500', formId: 'demo' }, 'hot', undefined, { previousVisits: [], accountContacts: 3 }],
];

describe('the default scoring model', () => {
  it.each(cases)('grades %s', (_, lead, expected, reason, history) => {
    const score = scoreLead({ name: 'Lead', submittedAt: at, ...lead }, model, history);
    if (expected === 'disqualify') expect(score.triage).toEqual({ decision: 'disqualify', reason });
    else {
      expect(score.grade, `${score.score}: ${score.reasons.join('; ')}`).toBe(expected);
      if (reason) expect(score.reasons).toContain(reason);
    }
    expect(score.model).toBe(modelFile.version);
  });

  it('nurtures strong intent from a poor fit: follow-ups, no alert', () => {
    expect(scoreLead({ email: 'someone@gmail.com', name: 'S', formId: 'demo' }, model).triage).toEqual({ decision: 'nurture', reason: 'strong intent, poor fit' });
  });

  it('flags account activity at a target account, not elsewhere', () => {
    const busy = { previousVisits: [], accountContacts: 3 };
    expect(scoreLead({ email: 'c@acme.io', name: 'C' }, model, busy).accountActivity).toBe('3 contacts from acme.io in 30 days');
    expect(scoreLead({ email: 'c@other.com', name: 'C' }, model, busy).accountActivity).toBeUndefined();
    expect(scoreLead({ email: 'c@acme.io', name: 'C' }, model, { previousVisits: [], accountContacts: 2 }).accountActivity).toBeUndefined();
  });

  it('reads company sizes as people type them', () => {
    expect(['51-200', '1,000+', '10k', '10K+', '1.5k', '5000', 'about 300', 'n/a', ''].map(employeesAtLeast)).toEqual([51, 1000, 10000, 10000, 1500, 5000, 300, undefined, undefined]);
  });
});

describe('scores, for any lead', () => {
  const text = fc.option(fc.string({ maxLength: 30 }), { nil: undefined });
  const leads = fc.record({
    email: fc.constantFrom('a@gmail.com', 'b@acme.io', 'noreply@x.com', 'c@uni.edu', 'd@corp.com'),
    name: fc.constant('N'),
    jobTitle: fc.option(fc.constantFrom('CEO', 'Director', 'Manager', 'Intern', 'Geschäftsführer', '部長', 'Student'), { nil: undefined }),
    companySize: fc.option(fc.constantFrom('1-10', '51-200', '201-500', '1000+', '10k', 'lots'), { nil: undefined }),
    industry: text,
    country: fc.option(fc.constantFrom('US', 'Germany', 'Atlantis', 'fr'), { nil: undefined }),
    message: text,
    formId: fc.option(fc.constantFrom('demo', 'pricing', 'contact', 'ebook', 'newsletter'), { nil: undefined }),
    utm_medium: fc.option(fc.constantFrom('cpc', 'organic', 'email'), { nil: undefined }),
  });
  const history = fc.record({ previousVisits: fc.array(fc.constantFrom('2026-11-09T10:00:00.000Z', '2026-10-01T00:00:00.000Z'), { maxLength: 3 }), accountContacts: fc.integer({ min: 1, max: 9 }) });
  const clean = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

  it('stay within 0-100 and are deterministic', () => {
    fc.assert(
      fc.property(leads, history, (lead, past) => {
        const score = scoreLead({ ...clean(lead), submittedAt: at }, model, past);
        expect(score.score).toBeGreaterThanOrEqual(0);
        expect(score.score).toBeLessThanOrEqual(100);
        expect(scoreLead({ ...clean(lead), submittedAt: at }, model, past)).toEqual(score);
      }),
      { numRuns: 500 },
    );
  });

  it('never go down when a lead shows more intent', () => {
    const moreIntent = fc.record({
      message: fc.constantFrom('please send a quote', 'demo?'),
      pageUrl: fc.constant('https://x.com/pricing'),
      utm_medium: fc.constant('cpc'),
    });
    fc.assert(
      fc.property(leads, moreIntent, fc.subarray(['message', 'pageUrl', 'utm_medium'] as const), (lead, extra, keys) => {
        const base = clean({ ...lead, message: undefined, utm_medium: undefined });
        const added = { ...base, ...Object.fromEntries(keys.map((k) => [k, extra[k]])) };
        expect(scoreLead({ ...added, submittedAt: at }, model).score).toBeGreaterThanOrEqual(scoreLead({ ...base, submittedAt: at }, model).score);
      }),
      { numRuns: 300 },
    );
  });
});

describe('a model file', () => {
  it('that fails validation names the file, the path in it and what is wrong', () => {
    const broken = { ...modelFile, grades: { hot: 30, warm: 50 }, fit: { ...modelFile.fit, seniority: [{ pattern: '(unclosed', points: 5, label: 'x' }] } };
    expect(() => parseScoringModel(broken, 'lib/config/scoring-model.json')).toThrow(
      /lib\/config\/scoring-model.json: grades: hot must be above warm\nlib\/config\/scoring-model.json: fit.seniority.0.pattern: must be a valid regular expression/,
    );
  });
});

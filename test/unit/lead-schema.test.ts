import { describe, expect, it } from 'vitest';
import { LeadSubmissionSchema, readLeadSubmission } from '@domain/lead-submission';
import { submissionFingerprint } from '@domain/dedupe';
import { ValidationError } from '@domain/errors';
import { normalizePhone, phoneProblem, telUri } from '@domain/phone';

/** The issues intake answers a post with (400), or [] when it keeps the lead. */
const issuesOf = (body: unknown) => {
  try {
    readLeadSubmission(body);
    return [];
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.issues.map((i) => `${i.path}: ${i.message}`);
  }
};

describe('a lead submission', () => {
  it('needs an email and a name', () => {
    expect(issuesOf({})).toEqual(['email: is required', 'name: is required']);
  });

  it('normalizes what forms send: trimmed lower-case email, empty inputs dropped, checkbox words', () => {
    const lead = LeadSubmissionSchema.parse({ email: ' Dana@ACME.io ', name: ' Dana ', phone: '', consent: 'on', timezone: 'Europe/Berlin', extra: 'dropped' });
    expect(lead).toEqual({ email: 'dana@acme.io', name: 'Dana', consent: true, timezone: 'Europe/Berlin' });
  });

  it('names each bad field the person typed and what is wrong with it; page facts never count against the lead', () => {
    expect(
      issuesOf({
        email: 'not-an-email',
        name: 'Eve\r\nBcc: x@y.z',
        pageUrl: 'javascript:alert(1)',
        timezone: 'Mars/Olympus',
        consent: 'maybe',
        message: 42,
        formId: '../../etc',
        phone: 'call me',
        country: ['DE'],
      }),
    ).toEqual([
      'email: must be a valid email address',
      'name: must be a single line without control characters',
      'country: must be text',
      'phone: must be a phone number such as "+1 555 123 4567 ext. 89"',
      'message: must be text',
    ]);
  });

  it('caps lengths', () => {
    expect(issuesOf({ email: 'a@b.co', name: 'x'.repeat(121) })).toEqual(['name: must be at most 120 characters']);
    expect(issuesOf({ email: 'a@b.co', name: 'A', message: 'x'.repeat(5001) })).toEqual(['message: must be at most 5000 characters']);
  });

  it('is the same submission for the same person on the same form, or the same idempotency key', () => {
    const a = submissionFingerprint({ email: 'a@b.co', formId: 'demo' });
    expect(submissionFingerprint({ email: 'a@b.co', formId: 'demo' })).toBe(a);
    expect(submissionFingerprint({ email: 'a@b.co', formId: 'pricing' })).not.toBe(a);
    expect(submissionFingerprint({ email: 'a@b.co', formId: 'demo' }, 'key-1')).not.toBe(a);
    expect(submissionFingerprint({ email: 'z@b.co' }, 'key-1')).toBe(submissionFingerprint({ email: 'a@b.co' }, 'key-1'));
  });
});

describe('page facts a website fills (the person cannot see or fix them)', () => {
  const person = { email: 'dana@acme.io', name: 'Dana' };

  it('a time zone the browser could not tell ("Etc/Unknown") is dropped, the lead kept, and the drop named', () => {
    const read = readLeadSubmission({ ...person, timezone: 'Etc/Unknown' });
    expect(read).toEqual({ submission: person, dropped: ['timezone'], clipped: [] });
    // The strict schema alone would have refused it (today's 400).
    expect(LeadSubmissionSchema.safeParse({ ...person, timezone: 'Etc/Unknown' }).success).toBe(false);
  });

  it('a URL that is not one, or of another scheme, is dropped; one too long loses its query; a fragment goes with it', () => {
    const long = `https://www.example.com/pricing?${'q=1&'.repeat(600)}`;
    const read = readLeadSubmission({ ...person, pageUrl: long, referrer: 'not a url', formId: 'demo' });
    expect(read.submission).toEqual({ ...person, pageUrl: 'https://www.example.com/pricing', formId: 'demo' });
    expect(read).toMatchObject({ dropped: ['referrer'], clipped: ['pageUrl'] });
    expect(readLeadSubmission({ ...person, referrer: 'javascript:alert(1)', pageUrl: 42 })).toEqual({ submission: person, dropped: ['pageUrl', 'referrer'], clipped: [] });
    // A valid URL is kept as sent.
    expect(readLeadSubmission({ ...person, pageUrl: 'https://www.example.com/a#b' }).submission.pageUrl).toBe('https://www.example.com/a#b');
  });

  it('a campaign value too long or with line breaks is clipped to one line of 200; one of the wrong type dropped', () => {
    const read = readLeadSubmission({ ...person, utm_campaign: 'x'.repeat(500), utm_source: 'news\r\nletter', utm_medium: { a: 1 } });
    expect(read.submission).toEqual({ ...person, utm_campaign: 'x'.repeat(200), utm_source: 'news letter' });
    expect(read).toMatchObject({ dropped: ['utm_medium'], clipped: ['utm_source', 'utm_campaign'] });
  });

  it('consent in words nobody defined, and a form id that is not one, are dropped; good ones kept', () => {
    expect(readLeadSubmission({ ...person, consent: 'perhaps', formId: '../../etc' })).toEqual({ submission: person, dropped: ['formId', 'consent'], clipped: [] });
    expect(readLeadSubmission({ ...person, consent: 'yes', formId: 'demo', timezone: 'Europe/Berlin' })).toEqual({
      submission: { ...person, consent: true, formId: 'demo', timezone: 'Europe/Berlin' },
      dropped: [],
      clipped: [],
    });
  });

  it('what the person typed is still refused with the field named, page facts or not', () => {
    expect(issuesOf({ email: 'dana@acme.io', timezone: 'Etc/Unknown' })).toEqual(['name: is required']);
    expect(issuesOf([])).toEqual(['(body): Invalid input: expected object, received array']);
  });
});

describe('phone numbers as people type them in business', () => {
  it.each([
    ['+1 555 123 4567 ext. 89', undefined, { e164: '+15551234567', extension: '89' }],
    ['(555) 123-4567 x89', 'US', { e164: '+15551234567', extension: '89' }],
    ['+49 30 1234567', undefined, { e164: '+49301234567' }],
    ['030 1234567', 'DE', { e164: '+49301234567' }],
    ['0049 30 1234567', undefined, { e164: '+49301234567' }],
    ['+44 20 7946 0958 #12', 'DE', { e164: '+442079460958', extension: '12' }],
    ['+1 212 555 0100 extension 5', undefined, { e164: '+12125550100', extension: '5' }],
  ])('%s (country %s) is accepted and reads as %j', (typed, country, normalized) => {
    expect(issuesOf({ email: 'dana@acme.io', name: 'Dana', phone: typed })).toEqual([]);
    expect(normalizePhone(typed, country)).toEqual(normalized);
  });

  it('a national number with no country to read it by is kept as typed, with no E.164 form', () => {
    expect(readLeadSubmission({ email: 'dana@acme.io', name: 'Dana', phone: ' (555) 123-4567 x89 ' }).submission.phone).toBe('(555) 123-4567 x89');
    expect(normalizePhone('030 1234567')).toBeUndefined();
  });

  it('what cannot be a phone number is refused, saying what a good one looks like', () => {
    expect(phoneProblem('call me')).toBe('must be a phone number such as "+1 555 123 4567 ext. 89"');
    expect(phoneProblem('12')).toMatch(/too few/);
    expect(phoneProblem('+1 555 12')).toMatch(/no country's numbers look like this one/);
    expect(phoneProblem('+1 555 123 4567\r\nBcc: x')).toBeDefined();
    expect(issuesOf({ email: 'dana@acme.io', name: 'Dana', phone: '+1 555\nBcc: x@y.z' })).toEqual(['phone: must be a single line without control characters']);
  });

  it('dials as a tel: URI with its extension (RFC 3966)', () => {
    expect(telUri({ e164: '+15551234567', extension: '89' })).toBe('tel:+15551234567;ext=89');
    expect(telUri({ e164: '+49301234567' })).toBe('tel:+49301234567');
  });
});

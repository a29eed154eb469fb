import { describe, expect, it } from 'vitest';
import { LeadSubmissionSchema } from '@domain/lead';
import { submissionFingerprint } from '@domain/dedupe';

const issuesOf = (body: unknown) => {
  const result = LeadSubmissionSchema.safeParse(body);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('a lead submission', () => {
  it('needs an email and a name', () => {
    expect(issuesOf({})).toEqual(['email: is required', 'name: is required']);
  });

  it('normalizes what forms send: trimmed lower-case email, empty inputs dropped, checkbox words', () => {
    const lead = LeadSubmissionSchema.parse({ email: ' Dana@ACME.io ', name: ' Dana ', phone: '', consent: 'on', timezone: 'Europe/Berlin', extra: 'dropped' });
    expect(lead).toEqual({ email: 'dana@acme.io', name: 'Dana', consent: true, timezone: 'Europe/Berlin' });
  });

  it('names each bad field and what is wrong with it', () => {
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
      }),
    ).toEqual([
      'email: must be a valid email address',
      'name: must be a single line without control characters',
      'phone: must be a phone number (digits, spaces, + ( ) - .)',
      'message: must be text',
      'formId: must be 1-64 letters, digits, or - _ . :',
      'pageUrl: must be an http(s) URL',
      'consent: must be true or false',
      'timezone: must be an IANA time zone such as "Europe/Berlin"',
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

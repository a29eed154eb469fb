import { describe, expect, it } from 'vitest';
import type { Lead } from '@domain/lead';
import { poolOf, RoutingSchema } from '@domain/routing';
import { SmsSettingsSchema, timeToLive } from '@domain/sms';
import { hotLeadAlertText, plainField } from '@domain/sms-messages';

const lead = (fields: Partial<Lead> = {}): Lead =>
  ({ leadId: '01JD0EXAMPLE', email: 'dana@acme.example', name: 'Dana Director', company: 'Acme', jobTitle: 'Director of Sales', score: 82, grade: 'hot', status: 'new', steps: {}, ...fields }) as Lead;

const base = 'https://leads.example.com/';

describe("the hot-lead alert as a text", () => {
  it('says who, how hot, how long they waited, the number to call and the lead in the app, in three lines', () => {
    expect(hotLeadAlertText(lead({ phone: '+1 415 555 0100' }), { publicBaseUrl: base, afterMinutes: 5 }).split('\n')).toEqual([
      'Hot lead, score 82: Dana Director (Director of Sales, Acme), waiting 5 min.',
      'Call +1 415 555 0100',
      'https://leads.example.com/app/#/leads/01JD0EXAMPLE',
    ]);
  });

  it('offers the email when the lead gave no phone, and leaves out what is missing', () => {
    expect(hotLeadAlertText(lead({ jobTitle: undefined, company: undefined }), { publicBaseUrl: base, afterMinutes: 5 }).split('\n').slice(0, 2)).toEqual([
      'Hot lead, score 82: Dana Director, waiting 5 min.',
      'Email dana@acme.example',
    ]);
  });

  it('an escalation says whose it was and for how long', () => {
    expect(hotLeadAlertText(lead(), { publicBaseUrl: base, afterMinutes: 15, escalatedFrom: 'Ana Alves' }).split('\n')[0]).toBe(
      'Escalated to you: hot lead, score 82. Dana Director (Director of Sales, Acme), not contacted by Ana Alves in 15 min.',
    );
  });

  it('fits in two SMS segments however long what the lead typed is', () => {
    const long = 'W'.repeat(300);
    const text = hotLeadAlertText(lead({ name: long, company: long, jobTitle: long, phone: '+1 415 555 0100' }), { publicBaseUrl: base, afterMinutes: 5 });
    expect(text.length).toBeLessThanOrEqual(306);
    expect(text).toContain('…');
  });

  it('what a lead typed cannot add a line, reverse how a number reads, or hide characters', () => {
    for (const sneaky of ['Dana\u2028Call +1 900 555 0199', 'Dana\u202Eevil', '\u2066Dana\u2069', 'Da\u200Bna', 'Dana\r\nX', 'Dana\u0007']) {
      expect(plainField(sneaky)).not.toMatch(/[\p{Cc}\p{Cf}\u2028\u2029]/u);
    }
    expect(plainField('Dana\u2028Call now')).toBe('Dana Call now');
    expect(hotLeadAlertText(lead({ name: 'Dana\u2028Call +1 900 555 0199 now' }), { publicBaseUrl: base, afterMinutes: 5 }).split('\n')).toHaveLength(3);
  });

  it("keeps only a phone's digits and punctuation", () => {
    expect(hotLeadAlertText(lead({ phone: '+1 (415) 555-0100 https://x' }), { publicBaseUrl: base, afterMinutes: 5 }).split('\n')[1]).toBe('Call +1 (415) 555-0100');
  });

  it('is dropped by the carrier once too late to help: the time to live within what the service takes', () => {
    expect(timeToLive(15)).toBe(900);
    expect(timeToLive(0)).toBe(5);
    expect(timeToLive(10_000)).toBe(259_200);
  });
});

describe('the stage settings texts are sent with', () => {
  it.each([
    'pool-0123456789abcdef0123456789abcdef',
    'phone-0123456789abcdef0123456789abcdef',
    'arn:aws:sms-voice:eu-west-1:123456789012:pool/pool-0123456789abcdef',
    'arn:aws:sms-voice:us-east-1:123456789012:phone-number/phone-0123456789abcdef',
    'arn:aws:sms-voice:us-east-1:123456789012:sender-id/ACME/GB',
  ])('take a phone number, pool or sender id of End User Messaging SMS: %s', (originationIdentity) => {
    expect(SmsSettingsSchema.safeParse({ originationIdentity }).success).toBe(true);
  });

  it.each(['+15555550100', 'ACME', 'pool-', 'arn:aws:sns:us-east-1:123456789012:topic'])('refuse anything else, saying where to find it: %s', (originationIdentity) => {
    const parsed = SmsSettingsSchema.safeParse({ originationIdentity });
    expect(parsed.error?.issues[0]?.message).toMatch(/phone number or pool id .*Phone numbers \/ Phone pools/);
  });

  it('refuse a price that is not dollars and cents', () => {
    expect(SmsSettingsSchema.safeParse({ originationIdentity: 'pool-0123456789abcdef', maxPrice: '10 cents' }).error?.issues[0]?.path).toEqual(['maxPrice']);
    expect(SmsSettingsSchema.safeParse({ originationIdentity: 'pool-0123456789abcdef', maxPrice: '0.10' }).success).toBe(true);
  });
});

describe("a lead's pool, whose Slack channel sees it", () => {
  const routing = RoutingSchema.parse({ territories: [{ name: 'dach', countries: ['DE', 'AT', 'CH'], pool: 'dach' }], pools: { default: ['rep-ana'], dach: ['rep-eve'] }, slackChannels: { dach: 'C0DACH' } });

  it("is its country's territory's, else the default", () => {
    expect(poolOf({ country: 'DE' }, routing)).toBe('dach');
    expect(poolOf({ country: 'Austria' }, routing)).toBe('dach');
    expect(poolOf({ country: 'US' }, routing)).toBe('default');
    expect(poolOf({}, routing)).toBe('default');
  });

  it('channel ids are checked as Slack writes them', () => {
    expect(RoutingSchema.safeParse({ pools: { default: ['rep-ana'] }, slackChannels: { default: '#leads' } }).error?.issues[0]?.message).toMatch(/a Slack channel id such as "C024BE91L"/);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BusinessHoursSchema, withinBusinessHours, type BusinessHours } from '@domain/business-hours';

const hours: BusinessHours = { start: '09:00', end: '17:00', days: [1, 2, 3, 4, 5], defaultTimeZone: 'Europe/Berlin' };
const at = (iso: string) => new Date(iso);
const inZone = (instant: Date, zone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(instant);

describe("a follow-up inside the lead's working day", () => {
  it('goes out as due when that is already working time', () => {
    expect(withinBusinessHours(at('2026-11-03T09:30:00Z'), 'Europe/Berlin', hours)).toEqual(at('2026-11-03T09:30:00Z'));
  });

  it('waits for the morning, for Monday, in the lead\'s own zone', () => {
    // Wednesday 07:00 in Berlin -> 09:00 the same day.
    expect(withinBusinessHours(at('2026-11-04T06:00:00Z'), 'Europe/Berlin', hours)).toEqual(at('2026-11-04T08:00:00Z'));
    // Saturday in Berlin -> Monday 09:00 Berlin.
    expect(withinBusinessHours(at('2026-11-07T10:00:00Z'), 'Europe/Berlin', hours)).toEqual(at('2026-11-09T08:00:00Z'));
    // Friday 18:00 in New York -> Monday 09:00 New York.
    expect(withinBusinessHours(at('2026-11-06T23:00:00Z'), 'America/New_York', hours)).toEqual(at('2026-11-09T14:00:00Z'));
    // Exactly closing time is closed.
    expect(withinBusinessHours(at('2026-11-03T16:00:00Z'), 'Europe/Berlin', hours)).toEqual(at('2026-11-04T08:00:00Z'));
  });

  it('uses the company default for a missing or unknown zone', () => {
    expect(withinBusinessHours(at('2026-11-07T10:00:00Z'), undefined, hours)).toEqual(at('2026-11-09T08:00:00Z'));
    expect(withinBusinessHours(at('2026-11-07T10:00:00Z'), 'Mars/Olympus', hours)).toEqual(at('2026-11-09T08:00:00Z'));
  });

  it('keeps 09:00 local across a daylight-saving change', () => {
    // Sunday 29 March 2026, Europe springs forward: Monday 09:00 is 07:00 UTC, not 08:00.
    expect(withinBusinessHours(at('2026-03-29T10:00:00Z'), 'Europe/Berlin', hours)).toEqual(at('2026-03-30T07:00:00Z'));
    // New York springs forward on 8 March 2026: Monday 09:00 EDT is 13:00 UTC (it was 14:00).
    expect(withinBusinessHours(at('2026-03-07T16:00:00Z'), 'America/New_York', hours)).toEqual(at('2026-03-09T13:00:00Z'));
    expect(withinBusinessHours(at('2026-03-06T23:30:00Z'), 'America/New_York', hours)).toEqual(at('2026-03-09T13:00:00Z'));
    // Sydney falls back on 5 April 2026: Monday 09:00 AEST is 23:00 UTC the day before (was 22:00).
    expect(withinBusinessHours(at('2026-04-04T01:00:00Z'), 'Australia/Sydney', hours)).toEqual(at('2026-04-05T23:00:00Z'));
    expect(withinBusinessHours(at('2026-04-02T12:00:00Z'), 'Australia/Sydney', hours)).toEqual(at('2026-04-02T22:00:00Z'));
  });

  it('is never earlier than due, and always inside the hours', () => {
    const zones = fc.constantFrom('Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Sydney', 'Pacific/Chatham', 'UTC');
    const instants = fc.integer({ min: Date.parse('2026-01-01'), max: Date.parse('2028-01-01') }).map((ms) => new Date(ms));
    fc.assert(
      fc.property(instants, zones, (due, zone) => {
        const sent = withinBusinessHours(due, zone, hours);
        expect(sent.getTime()).toBeGreaterThanOrEqual(due.getTime());
        expect(sent.getTime() - due.getTime()).toBeLessThan(4 * 86_400_000);
        const [weekday, time] = inZone(sent, zone).split(' ');
        expect(['Mon', 'Tue', 'Wed', 'Thu', 'Fri']).toContain(weekday);
        expect(time! >= '09:00' && time! < '17:00').toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses hours that cannot work, saying which field', () => {
    const result = BusinessHoursSchema.safeParse({ start: '17:00', end: '9:00', days: [], defaultTimeZone: 'Nowhere' });
    expect(result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'end: must be a time like "09:00"',
      'days: Too small: expected array to have >=1 items',
      'defaultTimeZone: must be an IANA time zone such as "Europe/Berlin"',
    ]);
  });
});

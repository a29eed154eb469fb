import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BusinessHours } from '@domain/business-hours';
import { defaultSequence, followUpKey, scheduleFor, type Sequence } from '@domain/sequence';
import { latestFollowUpOffsetMs, MAX_EXECUTION_SECONDS, sequenceTimeoutSeconds } from '@domain/sequence-span';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const weekdays: BusinessHours = { start: '09:00', end: '17:00', days: [1, 2, 3, 4, 5], defaultTimeZone: 'Europe/Berlin' };
const withHours: Sequence = { ...defaultSequence, businessHours: weekdays };

const lastFollowUpOffset = (submittedAt: number, sequence: Sequence, zone?: string) => {
  const lastDay = sequence.followUpDays.at(-1)!;
  return Date.parse(scheduleFor(new Date(submittedAt), sequence, zone).followUps[followUpKey(lastDay)]!) - submittedAt;
};

describe('how long a sequence can run', () => {
  it("outlasts the issue's Friday-evening Berlin lead, whose day 14 is due 16.65 days after submission", () => {
    const friday = Date.parse('2026-06-05T15:30:00Z');
    expect(scheduleFor(new Date(friday), withHours, 'Europe/Berlin').followUps.day14).toBe('2026-06-22T07:00:00.000Z');
    const offset = lastFollowUpOffset(friday, withHours, 'Europe/Berlin');
    // The old timeout (last day + 2) ended this execution before its day-14 follow-up.
    expect(offset).toBeGreaterThan((14 + 2) * DAY_MS);
    expect(latestFollowUpOffsetMs(withHours)).toBeGreaterThanOrEqual(offset);
    expect(sequenceTimeoutSeconds(withHours) * 1000).toBeGreaterThan(offset);
  });

  it('is the worst case of the rule itself: a follow-up on Friday at closing time waits the whole weekend', () => {
    // Friday 17:00 (closed) -> Monday 09:00 is 64 hours; the bound adds only a clock change.
    const closingFriday = Date.parse('2026-06-05T17:00:00Z') - 14 * DAY_MS;
    expect(lastFollowUpOffset(closingFriday, withHours, 'UTC')).toBe(14 * DAY_MS + 64 * HOUR_MS);
    expect(latestFollowUpOffsetMs(withHours)).toBe(14 * DAY_MS + 64 * HOUR_MS + 2 * HOUR_MS);
    // One working morning a week: day 1, landing on Monday at closing time, waits a week; day 2
    // keeps a day after it (Tuesday), so it waits another week.
    const mondays: Sequence = { hotAlertAfterMinutes: 5, followUpDays: [1, 2], businessHours: { ...weekdays, days: [1], start: '10:00', end: '11:30' } };
    const sundayMorning = Date.parse('2026-06-07T11:30:00Z');
    expect(lastFollowUpOffset(sundayMorning, mondays, 'UTC')).toBe(15 * DAY_MS - 90 * 60_000);
    expect(latestFollowUpOffsetMs(mondays)).toBe(15 * DAY_MS - 90 * 60_000 + 2 * HOUR_MS);
  });

  it('is the last day when follow-ups ignore business hours', () => {
    expect(latestFollowUpOffsetMs(defaultSequence)).toBe(14 * DAY_MS);
    expect(sequenceTimeoutSeconds(defaultSequence)).toBe(15 * 86_400);
  });

  it('bounds every lead, submitted at any instant in any zone, across clock changes', () => {
    const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Antarctica/Troll', 'Asia/Kathmandu', 'Pacific/Chatham', 'Africa/Casablanca', 'Etc/Unknown'];
    const sequences: Sequence[] = [
      withHours,
      { hotAlertAfterMinutes: 5, followUpDays: [1, 2, 3], businessHours: { ...weekdays, days: [2, 4], start: '08:30', end: '12:00', defaultTimeZone: 'America/New_York' } },
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-12-31T00:00:00Z') }),
        fc.constantFrom(...zones),
        fc.constantFrom(...sequences.map((sequence) => ({ sequence, latest: latestFollowUpOffsetMs(sequence) }))),
        (submittedAt, zone, { sequence, latest }) => lastFollowUpOffset(submittedAt, sequence, zone) <= latest,
      ),
      { numRuns: 300 },
    );
  });

  it("keeps the longest sequence the schema accepts inside Step Functions' one-year limit", () => {
    const longest: Sequence = {
      hotAlertAfterMinutes: 24 * 60,
      followUpDays: [81, 82, 83, 84, 85, 86, 87, 88, 89, 90],
      businessHours: { start: '00:00', end: '00:01', days: [7], defaultTimeZone: 'UTC' },
    };
    expect(sequenceTimeoutSeconds(longest)).toBeLessThan(MAX_EXECUTION_SECONDS);
  });
});

import { describe, expect, it } from 'vitest';
import { defaultSequence, followUpKey, scheduleFor, SequenceSchema } from '@domain/sequence';

describe('a lead schedule', () => {
  const submittedAt = new Date('2026-11-02T09:30:00.000Z');

  it('puts the hot alert 5 minutes and follow-ups 1, 3, 7 and 14 days after submission', () => {
    const schedule = scheduleFor(submittedAt, defaultSequence);
    expect(schedule.hotAlertAt).toBe('2026-11-02T09:35:00.000Z');
    expect(schedule.escalateAt).toBe('2026-11-02T09:45:00.000Z');
    expect(schedule.followUps).toEqual({
      day1: '2026-11-03T09:30:00.000Z',
      day3: '2026-11-05T09:30:00.000Z',
      day7: '2026-11-09T09:30:00.000Z',
      day14: '2026-11-16T09:30:00.000Z',
    });
  });

  it('follows the configured sequence', () => {
    const schedule = scheduleFor(submittedAt, { hotAlertAfterMinutes: 15, followUpDays: [2, 5] });
    expect(schedule.hotAlertAt).toBe('2026-11-02T09:45:00.000Z');
    expect(Object.keys(schedule.followUps)).toEqual([followUpKey(2), followUpKey(5)]);
  });

  it('moves follow-ups into the lead\'s business hours, never the rep alert', () => {
    // Friday 16:30 in Berlin: the alert stays at 16:35; day 1 (Saturday) waits for Monday 09:00.
    const friday = new Date('2026-11-06T15:30:00.000Z');
    const businessHours = { start: '09:00', end: '17:00', days: [1, 2, 3, 4, 5], defaultTimeZone: 'America/New_York' };
    const schedule = scheduleFor(friday, { ...defaultSequence, businessHours }, 'Europe/Berlin');
    expect(schedule.hotAlertAt).toBe('2026-11-06T15:35:00.000Z');
    expect(schedule.followUps.day1).toBe('2026-11-09T08:00:00.000Z');
    // Day 3 (Monday 16:30) would follow day 1 within hours: it keeps a day's distance.
    expect(schedule.followUps.day3).toBe('2026-11-10T08:00:00.000Z');
    // Thursday evening: day 1 (Friday 19:30) and day 3 (Sunday) would both land on Monday
    // 09:00; the second keeps a day's distance.
    const thursday = scheduleFor(new Date('2026-11-05T18:30:00.000Z'), { ...defaultSequence, businessHours }, 'Europe/Berlin');
    expect([thursday.followUps.day1, thursday.followUps.day3]).toEqual(['2026-11-09T08:00:00.000Z', '2026-11-10T08:00:00.000Z']);
    // Without a zone, the company default applies: Monday 09:00 in New York.
    expect(scheduleFor(friday, { ...defaultSequence, businessHours }).followUps.day1).toBe('2026-11-09T14:00:00.000Z');
  });

  it('refuses a sequence whose days go backwards, saying how to fix it', () => {
    const result = SequenceSchema.safeParse({ hotAlertAfterMinutes: 5, followUpDays: [3, 1] });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/strictly increasing/);
  });
});

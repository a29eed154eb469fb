import { describe, expect, it } from 'vitest';
import { audienceOf, defaultSequence, emailSteps, followUpKey, scheduleFor, SequenceSchema, type SequenceStep, touchesOf, touchOf } from '@domain/sequence';

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

describe('the sequence\'s touches, the one description of its shape', () => {
  const touches = touchesOf(defaultSequence, 15);

  it('go confirmation, minute-5 alert, escalation at the hot SLA, then each follow-up day', () => {
    expect(touches.map((touch) => [touch.task, touch.afterMinutes, touch.hotOnly, touch.mayEnd])).toEqual([
      ['confirmation', 0, false, false],
      ['hot-alert', 5, true, false],
      ['escalate', 15, true, false],
      ...defaultSequence.followUpDays.map((day) => [`follow-up-${day}`, day * 24 * 60, false, true]),
    ]);
    expect(emailSteps(defaultSequence)).toEqual(['confirmation', 'hot-alert', 'escalation', 'team-lead-notice', 'follow-up-1', 'follow-up-3', 'follow-up-7', 'follow-up-14']);
  });

  it('wait on keys that every lead\'s schedule has', () => {
    const schedule = scheduleFor(new Date('2026-11-02T09:30:00.000Z'), defaultSequence, undefined, 15) as unknown as Record<string, unknown>;
    for (const touch of touches.filter((t) => t.dueAt)) {
      const due = touch.dueAt!.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown>)?.[key], schedule);
      expect(typeof due, touch.task).toBe('string');
    }
  });

  it('say who each email goes to, also for a follow-up day an older config had', () => {
    expect(['confirmation', 'follow-up-3', 'follow-up-2'].map((step) => audienceOf(defaultSequence, step as SequenceStep))).toEqual(['lead', 'lead', 'lead']);
    expect(['hot-alert', 'escalation', 'team-lead-notice'].map((step) => audienceOf(defaultSequence, step as SequenceStep))).toEqual(['team', 'team', 'team']);
    expect(touchOf(touches, 'team-lead-notice')?.task).toBe('escalate');
  });
});

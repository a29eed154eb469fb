import * as z from '@domain/zod';
import { BusinessHoursSchema, withinBusinessHours } from '@domain/business-hours';
import { defaultSla } from '@domain/sla';

/**
 * The timed sequence a lead goes through, as data: the state machine is built from it and
 * intake computes each lead's schedule from it, so the graph and the timestamps cannot drift.
 */
export const SequenceSchema = z.strictObject({
  hotAlertAfterMinutes: z.number().check(z.int(), z.minimum(1), z.maximum(24 * 60)),
  followUpDays: z.array(z.number().check(z.int(), z.minimum(1), z.maximum(90))).check(
    z.minLength(1),
    z.maxLength(10),
    z.refine((days) => days.every((day, i) => i === 0 || day > days[i - 1]!), {
      message: 'follow-up days must be strictly increasing, e.g. [1, 3, 7, 14]',
    }),
  ),
  /** When set, follow-ups to the lead wait for the lead's working day; the rep alert never does. */
  businessHours: z.optional(BusinessHoursSchema),
});

export type Sequence = z.infer<typeof SequenceSchema>;

export const defaultSequence: Sequence = { hotAlertAfterMinutes: 5, followUpDays: [1, 3, 7, 14] };

/** The email steps a lead can receive; each is claimed once in the lead record before sending. */
export type SequenceStep = 'confirmation' | 'hot-alert' | 'escalation' | 'team-lead-notice' | `follow-up-${number}`;

export const followUpStep = (day: number): SequenceStep => `follow-up-${day}`;

/** Key of a follow-up's timestamp in the schedule (`$.schedule.followUps.day3`). */
export const followUpKey = (day: number): string => `day${day}`;

/** When each timed step of one lead is due, as ISO timestamps, fixed at submission. */
export interface Schedule {
  hotAlertAt: string;
  /** When a hot lead still not contacted is escalated: its SLA's end. */
  escalateAt: string;
  followUps: Record<string, string>;
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/**
 * Absolute due times computed once from `submittedAt`, so a slow step never shifts the
 * schedule of the steps after it. Follow-ups move into the lead's business hours (in their
 * time zone) when the sequence has them, never earlier than their nominal day.
 */
export function scheduleFor(submittedAt: Date, sequence: Sequence, leadTimeZone?: string, hotSlaMinutes: number = defaultSla.hot): Schedule {
  const after = (offsetMs: number) => new Date(submittedAt.getTime() + offsetMs);
  // Moved into business hours, two follow-ups could land on the same Monday 09:00: each one
  // keeps at least a day after the one before.
  let previous = -Infinity;
  const followUpAt = (day: number) => {
    const nominal = new Date(Math.max(after(day * DAY_MS).getTime(), previous + DAY_MS));
    const due = sequence.businessHours ? withinBusinessHours(nominal, leadTimeZone, sequence.businessHours) : nominal;
    previous = due.getTime();
    return due;
  };
  return {
    hotAlertAt: after(sequence.hotAlertAfterMinutes * MINUTE_MS).toISOString(),
    escalateAt: after(hotSlaMinutes * MINUTE_MS).toISOString(),
    followUps: Object.fromEntries(sequence.followUpDays.map((day) => [followUpKey(day), followUpAt(day).toISOString()])),
  };
}

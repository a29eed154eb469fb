import * as z from '@domain/zod';
import { BusinessHoursSchema, withinBusinessHours } from '@domain/business-hours';
import { REJECT_REASONS } from '@domain/reject-reasons';
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
  /**
   * Recycling: a lead rejected for a reason that means "not now" returns to marketing, a
   * nurture email on each of `afterDays` (days after submission, past the last follow-up)
   * instead of silence. `spam` and `duplicate` always end the lead.
   */
  nurture: z.optional(
    z.strictObject({
      reasons: z.array(z.enum(REJECT_REASONS.filter((reason) => reason !== 'spam' && reason !== 'duplicate') as [string, ...string[]], {
        error: `must be reasons that mean "not now", from ${REJECT_REASONS.filter((r) => r !== 'spam' && r !== 'duplicate').join(', ')} (spam and duplicate always end a lead)`,
      })).check(z.minLength(1)),
      afterDays: z.array(z.number().check(z.int(), z.minimum(1), z.maximum(330))).check(
        z.minLength(1),
        z.maxLength(12),
        z.refine((days) => days.every((day, i) => i === 0 || day > days[i - 1]!), { message: 'nurture days must be strictly increasing, e.g. [30, 60, 90]' }),
      ),
    }),
  ),
}).check(
  z.refine((sequence) => !sequence.nurture || sequence.nurture.afterDays[0]! > sequence.followUpDays[sequence.followUpDays.length - 1]!, {
    message: 'nurture.afterDays must all come after the last follow-up day',
    path: ['nurture', 'afterDays'],
  }),
);

export type Sequence = z.infer<typeof SequenceSchema>;

export const defaultSequence: Sequence = { hotAlertAfterMinutes: 5, followUpDays: [1, 3, 7, 14] };

/** The email steps a lead can receive; each is claimed once in the lead record before sending. */
export type SequenceStep = 'confirmation' | 'hot-alert' | 'escalation' | 'team-lead-notice' | `follow-up-${number}` | `nurture-${number}`;

export const followUpStep = (day: number): SequenceStep => `follow-up-${day}`;

/** The nurture track's n-th email (1 first). */
export const nurtureStep = (touch: number): SequenceStep => `nurture-${touch}`;

/** Key of a nurture email's timestamp in the schedule (`$.schedule.nurture.touch1`). */
export const nurtureKey = (touch: number): string => `touch${touch}`;

/** Key of a follow-up's timestamp in the schedule (`$.schedule.followUps.day3`). */
export const followUpKey = (day: number): string => `day${day}`;

/** When each timed step of one lead is due, as ISO timestamps, fixed at submission. */
export interface Schedule {
  hotAlertAt: string;
  /** When a hot lead still not contacted is escalated: its SLA's end. */
  escalateAt: string;
  followUps: Record<string, string>;
  /** When each nurture email is due, should the lead be returned to nurture; only with `sequence.nurture`. */
  nurture?: Record<string, string>;
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
    ...(sequence.nurture ? { nurture: Object.fromEntries(sequence.nurture.afterDays.map((day, i) => [nurtureKey(i + 1), followUpAt(day).toISOString()])) } : {}),
  };
}

/** A touch's workflow task, by the email step it is named after (the escalation sends two emails). */
export type TouchTask = 'confirmation' | 'hot-alert' | 'escalate' | `follow-up-${number}`;

/** One email a touch may send: its step, who gets it, and when it is sent at all. */
export interface TouchEmail {
  step: SequenceStep;
  /** The lead, or the sales team (the owner, the next rep, the team lead). */
  audience: 'lead' | 'team';
  /** Sent only when the lead was escalated, or only when the routing names a team lead. */
  onlyIf?: 'escalated' | 'team-lead';
}

/**
 * One timed touch of the sequence, in order: when it is due, which emails it may send, and
 * whether a lead who answered or left ends the sequence after it.
 */
export interface Touch {
  task: TouchTask;
  /** The key of its due time in the lead's schedule (`followUps.day3`); absent: right after scoring. */
  dueAt?: 'hotAlertAt' | 'escalateAt' | `followUps.${string}`;
  /** Minutes after submission it is due, before business hours move it (for names and logs). */
  afterMinutes: number;
  /** A follow-up's day. */
  day?: number;
  emails: readonly TouchEmail[];
  /** Only for a hot lead whose rep is paged (not a nurtured one). */
  hotOnly: boolean;
  /** After it, a lead contacted, unsubscribed or undeliverable ends its sequence. */
  mayEnd: boolean;
}

/**
 * The sequence's shape, once: the state machine is built from this list, and the path a lead
 * must have taken (the tests' expected states, the reconciliation's expected emails, the
 * timeline's audience of each email, the dashboard's steps) is read from it.
 */
export function touchesOf(sequence: Sequence, hotSlaMinutes: number = defaultSla.hot): Touch[] {
  return [
    { task: 'confirmation', afterMinutes: 0, emails: [{ step: 'confirmation', audience: 'lead' }], hotOnly: false, mayEnd: false },
    {
      task: 'hot-alert',
      dueAt: 'hotAlertAt',
      afterMinutes: sequence.hotAlertAfterMinutes,
      emails: [{ step: 'hot-alert', audience: 'team' }],
      hotOnly: true,
      mayEnd: false,
    },
    {
      task: 'escalate',
      dueAt: 'escalateAt',
      afterMinutes: hotSlaMinutes,
      emails: [
        { step: 'escalation', audience: 'team', onlyIf: 'escalated' },
        { step: 'team-lead-notice', audience: 'team', onlyIf: 'team-lead' },
      ],
      hotOnly: true,
      mayEnd: false,
    },
    ...sequence.followUpDays.map(
      (day): Touch => ({
        task: followUpStep(day) as TouchTask,
        day,
        dueAt: `followUps.${followUpKey(day)}`,
        afterMinutes: day * 24 * 60,
        emails: [{ step: followUpStep(day), audience: 'lead' }],
        hotOnly: false,
        mayEnd: true,
      }),
    ),
  ];
}

/** Every email step the sequence can send, in order. */
export const emailSteps = (sequence: Sequence): SequenceStep[] => touchesOf(sequence).flatMap((touch) => touch.emails.map((email) => email.step));

/** The touch that sends an email step (`team-lead-notice` is the escalation's). */
export function touchOf(touches: readonly Touch[], step: SequenceStep): Touch | undefined {
  return touches.find((touch) => touch.emails.some((email) => email.step === step));
}

/** Who an email step goes to: the lead, or the sales team. */
export function audienceOf(sequence: Sequence, step: SequenceStep): TouchEmail['audience'] {
  if (/^nurture-\d+$/.test(step)) return 'lead';
  // A follow-up day this config no longer has (an execution started before a deploy) is still the lead's.
  const day = /^follow-up-(\d+)$/.exec(step)?.[1];
  const touches = touchesOf(day ? { ...sequence, followUpDays: [Number(day)] } : sequence);
  const email = touches.flatMap((touch) => touch.emails).find((candidate) => candidate.step === step);
  if (!email) throw new Error(`No touch of the sequence sends "${step}"`);
  return email.audience;
}

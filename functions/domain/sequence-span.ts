import { followUpKey, scheduleFor, type Sequence } from '@domain/sequence';

/**
 * How long a lead's sequence can run: business hours move follow-ups later than their nominal
 * day (a Friday-evening lead's day 14 waits for Monday), so the workflow's timeout follows
 * from the schedule rule itself, not from the last day.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/**
 * A clock change inside a closed stretch lengthens it by the size of the change: 1 hour in
 * nearly every zone, 2 hours at most (Antarctica/Troll).
 */
const LARGEST_CLOCK_CHANGE_MS = 2 * 60 * MINUTE_MS;

/**
 * After the last follow-up is due its step and "Close lead" still run, each with its retries
 * (minutes at worst, each attempt bounded by the function's timeout): a day is ample.
 */
const AFTER_LAST_FOLLOW_UP_MS = DAY_MS;

/** Step Functions ends a Standard execution after a year, whatever its TimeoutSeconds. */
export const MAX_EXECUTION_SECONDS = 365 * 86_400;

const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

/**
 * The latest the last follow-up can be due after submission, over every submission time and
 * time zone. The schedule rule delays a follow-up most when it falls exactly on a closing time
 * (the closed stretch ahead is then whole), and its result only changes where a follow-up
 * crosses an opening or closing time; so evaluating `scheduleFor` itself at every submission
 * time that puts some follow-up on one of the week's opening or closing times, in a zone
 * without clock changes, finds the worst case exactly; a clock change can add its size.
 */
export function latestFollowUpOffsetMs(sequence: Sequence): number {
  const days = sequence.followUpDays;
  const lastDay = days[days.length - 1]!;
  const hours = sequence.businessHours;
  if (!hours) return lastDay * DAY_MS;
  // The rule repeats every week in a fixed-offset zone: one week of boundaries covers all.
  const monday = Date.UTC(2024, 0, 1);
  let latest = 0;
  for (let weekday = 0; weekday < 7; weekday++) {
    for (const time of [hours.start, hours.end]) {
      const boundary = monday + weekday * DAY_MS + minutesOf(time) * MINUTE_MS;
      for (const day of days) {
        const submittedAt = boundary - day * DAY_MS;
        const due = Date.parse(scheduleFor(new Date(submittedAt), sequence, 'UTC').followUps[followUpKey(lastDay)]!);
        latest = Math.max(latest, due - submittedAt);
      }
    }
  }
  return latest + LARGEST_CLOCK_CHANGE_MS;
}

/** The lead workflow's TimeoutSeconds: the latest last follow-up, and a day for the steps after it. */
export function sequenceTimeoutSeconds(sequence: Sequence): number {
  return Math.ceil((Math.max(latestFollowUpOffsetMs(sequence), latestNurtureOffsetMs(sequence)) + AFTER_LAST_FOLLOW_UP_MS) / 1000);
}

/**
 * The latest the last nurture email can be due: its day, moved into business hours like a
 * follow-up (a week covers the longest closed stretch a working week allows, a clock change included).
 */
function latestNurtureOffsetMs(sequence: Sequence): number {
  const days = sequence.nurture?.afterDays;
  if (!days) return 0;
  return days[days.length - 1]! * DAY_MS + (sequence.businessHours ? 7 * DAY_MS + LARGEST_CLOCK_CHANGE_MS : 0);
}

import * as z from '@domain/zod';

/**
 * A lead's working day: follow-ups land inside it, in the lead's own time zone, so a day-3
 * email arrives at 09:00 on their Monday rather than at 03:00 on their Sunday.
 */
const clock = z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be a time like "09:00"' }));

export const BusinessHoursSchema = z
  .strictObject({
    start: clock,
    end: clock,
    /** ISO weekdays: 1 = Monday ... 7 = Sunday. */
    days: z.array(z.number().check(z.int(), z.minimum(1), z.maximum(7))).check(z.minLength(1), z.maxLength(7)),
    /** Used when a lead sent no time zone, or one we do not know. */
    defaultTimeZone: z.string().check(z.refine(isTimeZone, { error: 'must be an IANA time zone such as "Europe/Berlin"' })),
  })
  .check(z.refine((hours) => hours.start < hours.end, { error: 'start must be before end', path: ['end'] }));

export type BusinessHours = z.infer<typeof BusinessHoursSchema>;

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.length > 0;
  } catch {
    return false;
  }
}

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** ISO weekday, 1 = Monday. */
  weekday: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall clock in `zone` at `instant`. */
function wallTime(instant: Date, zone: string): WallTime {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric',
    });
    formatters.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
  return { year: +parts.year!, month: +parts.month!, day: +parts.day!, hour: +parts.hour!, minute: +parts.minute!, weekday: WEEKDAYS[parts.weekday!]! };
}

/** The instant when the wall clock in `zone` shows this date and time (the later one in a DST fold). */
function instantOf(year: number, month: number, day: number, hour: number, minute: number, zone: string): Date {
  const asUtc = Date.UTC(year, month - 1, day, hour, minute);
  // Two passes settle the zone's offset, also across a DST change.
  let instant = asUtc;
  for (let i = 0; i < 2; i++) {
    const seen = wallTime(new Date(instant), zone);
    instant += asUtc - Date.UTC(seen.year, seen.month - 1, seen.day, seen.hour, seen.minute);
  }
  return new Date(instant);
}

const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

/**
 * The first moment at or after `due` that falls inside business hours in the lead's zone.
 * Never earlier than `due`: a follow-up may wait for the morning, never jump ahead of its day.
 */
export function withinBusinessHours(due: Date, timeZone: string | undefined, hours: BusinessHours): Date {
  const zone = timeZone && isTimeZone(timeZone) ? timeZone : hours.defaultTimeZone;
  const [open, close] = [minutesOf(hours.start), minutesOf(hours.end)];
  const local = wallTime(due, zone);
  const minute = local.hour * 60 + local.minute;
  if (hours.days.includes(local.weekday) && minute >= open && minute < close) return due;

  // Walk forward day by day (at most a week) to the next opening time.
  for (let offset = minute < open ? 0 : 1; offset <= 7; offset++) {
    const date = new Date(Date.UTC(local.year, local.month - 1, local.day + offset));
    const weekday = ((local.weekday - 1 + offset) % 7) + 1;
    if (!hours.days.includes(weekday)) continue;
    return instantOf(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), Math.floor(open / 60), open % 60, zone);
  }
  throw new Error('Business hours have no open day');
}

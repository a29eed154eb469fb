import * as z from '@domain/zod';
import { BusinessHoursSchema, withinBusinessHours } from '@domain/business-hours';

/** A sales rep who can own leads. Inactive reps (on leave) get no new leads. */
export const RepSchema = z.strictObject({
  id: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes, e.g. "rep-ana"')),
  name: z.string().check(z.minLength(1), z.maxLength(100)),
  email: z.email(),
  active: z._default(z.boolean(), true),
  /** The rep's own working day (their zone as `defaultTimeZone`): escalations prefer reps at work. */
  workingHours: z.optional(BusinessHoursSchema),
});

export type Rep = z.infer<typeof RepSchema>;

/** Whether the rep is at work at `now`; a rep without working hours always counts as reachable. */
export const isAtWork = (rep: Rep, now: Date): boolean =>
  !rep.workingHours || withinBusinessHours(now, undefined, rep.workingHours).getTime() === now.getTime();

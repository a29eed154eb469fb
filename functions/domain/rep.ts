import { z } from 'zod';
import { BusinessHoursSchema, withinBusinessHours } from '@domain/business-hours';

/** A sales rep who can own leads. Inactive reps (on leave) get no new leads. */
export const RepSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes, e.g. "rep-ana"'),
    name: z.string().min(1).max(100),
    email: z.email(),
    active: z.boolean().default(true),
    /** The rep's own working day (their zone as `defaultTimeZone`): escalations prefer reps at work. */
    workingHours: BusinessHoursSchema.optional(),
  })
  .strict();

export type Rep = z.infer<typeof RepSchema>;

/** Whether the rep is at work at `now`; a rep without working hours always counts as reachable. */
export const isAtWork = (rep: Rep, now: Date): boolean =>
  !rep.workingHours || withinBusinessHours(now, undefined, rep.workingHours).getTime() === now.getTime();

import { z } from 'zod';

/** A sales rep who can own leads. Inactive reps (on leave) get no new leads. */
export const RepSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes, e.g. "rep-ana"'),
    name: z.string().min(1).max(100),
    email: z.email(),
    active: z.boolean().default(true),
  })
  .strict();

export type Rep = z.infer<typeof RepSchema>;

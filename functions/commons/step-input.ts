import * as z from '@domain/zod';

/** Every step of the lead workflow is called with the lead's id. */
export const LeadStepInput = z.object({ leadId: z.string().check(z.minLength(1), z.maxLength(80)) });

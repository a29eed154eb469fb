import { z } from 'zod';

/** Every step of the lead workflow is called with the lead's id. */
export const LeadStepInput = z.object({ leadId: z.string().min(1).max(80) });

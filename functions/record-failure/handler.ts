import * as z from '@domain/zod';
import { systemClock } from '@domain/clock';
import { recordFailure } from '@domain/lead-sequence';
import { leadStore } from '@commons/lead-store';
import { logger } from '@commons/logger';
import { stepHandler } from '@commons/step-handler';
import { LeadStepInput } from '@commons/step-input';

const FailureInput = z.extend(LeadStepInput, { error: z._default(z.string(), 'Unknown'), cause: z.optional(z.string()) });

export const handler = stepHandler(FailureInput, async ({ leadId, error, cause }) => {
  logger.error('Lead sequence failed', { failure: error });
  await recordFailure({ store: leadStore(), clock: systemClock }, leadId, error, cause);
  return { recorded: true };
});

import { systemClock } from '@domain/clock';
import { closeLead } from '@domain/lead-sequence';
import { leadStore } from '@commons/lead-store';
import { stepHandler } from '@commons/step-handler';
import { LeadStepInput } from '@commons/step-input';

export const handler = stepHandler(LeadStepInput, async ({ leadId }) => {
  await closeLead({ store: leadStore(), clock: systemClock }, leadId);
  return { closed: true };
});

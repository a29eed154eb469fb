import { systemClock } from '@domain/clock';
import { closeLead } from '@domain/lead-sequence';
import { config } from '@commons/config';
import { leadStore } from '@commons/lead-store';
import { stepHandler } from '@commons/step-handler';
import { LeadStepInput } from '@commons/step-input';

// `nurture`: the lead was returned to nurture, and the workflow goes on to the nurture track.
export const handler = stepHandler(LeadStepInput, async ({ leadId }) => {
  const { nurture } = await closeLead({ store: leadStore(), clock: systemClock, sequence: config().SEQUENCE }, leadId);
  return { closed: true, nurture };
});

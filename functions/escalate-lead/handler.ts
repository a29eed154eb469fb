import { escalateLead } from '@domain/lead-sequence';
import { emailSent, hotLeadPastSla } from '@commons/metrics';
import { sequenceDeps } from '@commons/sequence-deps';
import { stepHandler } from '@commons/step-handler';
import { LeadStepInput } from '@commons/step-input';

export const handler = stepHandler(
  LeadStepInput,
  ({ leadId }) => escalateLead(sequenceDeps(), leadId),
  (_, { escalated, pastSla }) => [...(escalated ? emailSent('escalation') : []), ...(pastSla ? hotLeadPastSla() : [])],
);

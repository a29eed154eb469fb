import { escalateLead } from '@domain/lead-sequence';
import { emailSent, hotLeadPastSla } from '@commons/metrics';
import { alertDeps } from '@commons/alert-deps';
import { teamStore } from '@commons/team-store';
import { stepHandler } from '@commons/step-handler';
import { LeadStepInput } from '@commons/step-input';

export const handler = stepHandler(
  LeadStepInput,
  ({ leadId }) => escalateLead({ ...alertDeps(), team: teamStore() }, leadId),
  (_, { escalated, pastSla }) => [...(escalated ? emailSent('escalation') : []), ...(pastSla ? hotLeadPastSla() : [])],
);

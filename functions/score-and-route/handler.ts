import { scoreAndRoute } from '@domain/lead-sequence';
import { leadScored } from '@commons/metrics';
import { sequenceDeps } from '@commons/sequence-deps';
import { stepHandler } from '@commons/step-handler';
import { LeadStepInput } from '@commons/step-input';

export const handler = stepHandler(LeadStepInput, ({ leadId }) => scoreAndRoute(sequenceDeps(), leadId), (_, { grade }) => leadScored(grade));

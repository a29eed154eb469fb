import { scoreAndRoute } from '@domain/lead-sequence';
import { leadScored } from '@commons/metrics';
import { routingDeps } from '@commons/routing-deps';
import { stepHandler } from '@commons/step-handler';
import { LeadStepInput } from '@commons/step-input';

export const handler = stepHandler(LeadStepInput, ({ leadId }) => scoreAndRoute(routingDeps(), leadId), (_, { grade }) => leadScored(grade));

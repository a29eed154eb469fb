import { alertRep } from '@domain/lead-sequence';
import { emailSent } from '@commons/metrics';
import { alertDeps } from '@commons/alert-deps';
import { stepHandler } from '@commons/step-handler';
import { LeadStepInput } from '@commons/step-input';

export const handler = stepHandler(LeadStepInput, ({ leadId }) => alertRep(alertDeps(), leadId), (_, { sent }) => (sent ? emailSent('hot-alert') : []));

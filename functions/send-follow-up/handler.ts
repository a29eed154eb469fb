import * as z from '@domain/zod';
import { sendFollowUp } from '@domain/lead-sequence';
import { followUpStep } from '@domain/sequence';
import { emailSent } from '@commons/metrics';
import { sequenceDeps } from '@commons/sequence-deps';
import { stepHandler } from '@commons/step-handler';
import { LeadStepInput } from '@commons/step-input';

const FollowUpInput = z.extend(LeadStepInput, { day: z.number().check(z.int(), z.minimum(1)) });

export const handler = stepHandler(
  FollowUpInput,
  ({ leadId, day }) => sendFollowUp(sequenceDeps(), leadId, day),
  ({ day }, { sent }) => (sent ? emailSent(followUpStep(day)) : []),
);

import * as z from '@domain/zod';
import { sendFollowUp, sendNurture } from '@domain/lead-sequence';
import { followUpStep, nurtureStep } from '@domain/sequence';
import { emailSent } from '@commons/metrics';
import { sequenceDeps } from '@commons/sequence-deps';
import { stepHandler } from '@commons/step-handler';
import { LeadStepInput } from '@commons/step-input';

// A follow-up of the sequence (`day`), or an email of the nurture track (`nurture`: 1, 2, ...).
const FollowUpInput = z.extend(LeadStepInput, {
  day: z.optional(z.number().check(z.int(), z.minimum(1))),
  nurture: z.optional(z.number().check(z.int(), z.minimum(1))),
}).check(z.refine((input) => (input.day === undefined) !== (input.nurture === undefined), { error: 'give exactly one of day and nurture' }));

export const handler = stepHandler(
  FollowUpInput,
  ({ leadId, day, nurture }) => (nurture !== undefined ? sendNurture(sequenceDeps(), leadId, nurture) : sendFollowUp(sequenceDeps(), leadId, day!)),
  ({ day, nurture }, { sent }) => (sent ? emailSent(nurture !== undefined ? nurtureStep(nurture) : followUpStep(day!)) : []),
);

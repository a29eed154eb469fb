import * as z from '@domain/zod';
import { systemClock } from '@domain/clock';
import { recordSenderEvent, type SenderEvent } from '@domain/sender-reputation';
import { leadStore } from '@commons/lead-store';
import { senderProblem } from '@commons/metrics';
import { stepHandler } from '@commons/step-handler';

/** The part of SES's EventBridge event ("Email Bounced", "Email Complaint Received") we use. */
const SesEvent = z.pipe(
  z.object({
    detail: z.object({
      eventType: z.enum(['Bounce', 'Complaint']),
      bounce: z.optional(z.object({ bounceType: z.string(), bounceSubType: z.optional(z.string()) })),
      complaint: z.optional(z.object({ complaintFeedbackType: z.optional(z.string()) })),
      mail: z.object({ tags: z._default(z.record(z.string(), z.array(z.string())), {}) }),
    }),
  }),
  z.transform(({ detail }) => ({ ...detail, leadId: detail.mail.tags.leadId?.[0] ?? '' })),
);

const senderEvent = (event: z.infer<typeof SesEvent>): SenderEvent =>
  event.eventType === 'Bounce'
    ? { kind: 'bounce', leadId: event.leadId, permanent: event.bounce?.bounceType === 'Permanent', detail: [event.bounce?.bounceType, event.bounce?.bounceSubType].filter(Boolean).join('/') }
    : { kind: 'complaint', leadId: event.leadId, detail: event.complaint?.complaintFeedbackType ?? 'complaint' };

/** Bounces and complaints routed by EventBridge from the SES configuration set. */
export const handler = stepHandler(
  SesEvent,
  async (event) => ({ recorded: event.leadId ? await recordSenderEvent({ store: leadStore(), clock: systemClock }, senderEvent(event)) : undefined }),
  (_, { recorded }) => (recorded ? senderProblem(recorded) : []),
);

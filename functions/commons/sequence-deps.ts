import { systemClock } from '@domain/clock';
import type { SequenceDeps } from '@domain/lead-sequence';
import { config, emails, routingOf } from '@commons/config';
import { leadStore } from '@commons/lead-store';
import { sesMailer } from '@commons/mailer';
import { signingSecrets } from '@commons/secrets';

/**
 * What the email steps of the sequence work with. The team's alerts add Slack and texts
 * (@commons/alert-deps), so the lead's own emails do not load those clients at cold start.
 */
export const sequenceDeps = (): SequenceDeps => ({
  store: leadStore(),
  mailer: sesMailer(),
  secrets: signingSecrets(),
  clock: systemClock,
  sequence: config().SEQUENCE,
  reps: config().REPS,
  routing: routingOf(),
  hotSlaMinutes: config().SLA_MINUTES.hot,
  publicBaseUrl: config().PUBLIC_BASE_URL,
  linkTtlDays: config().LINK_TTL_DAYS,
  postalAddress: config().SENDER_POSTAL_ADDRESS,
  emails: emails(),
});

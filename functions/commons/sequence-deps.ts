import { systemClock } from '@domain/clock';
import type { SequenceDeps } from '@domain/lead-sequence';
import { config } from '@commons/config';
import { leadStore } from '@commons/lead-store';
import { sesMailer } from '@commons/mailer';
import { linkSecrets } from '@commons/secrets';

/** What the email-sending steps of the sequence work with. */
export const sequenceDeps = (): SequenceDeps => ({
  store: leadStore(),
  mailer: sesMailer(),
  secrets: linkSecrets(),
  clock: systemClock,
  sequence: config().SEQUENCE,
  reps: config().REPS,
  publicBaseUrl: config().PUBLIC_BASE_URL,
  linkTtlDays: config().LINK_TTL_DAYS,
});

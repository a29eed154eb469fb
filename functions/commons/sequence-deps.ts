import { systemClock } from '@domain/clock';
import type { SequenceDeps } from '@domain/lead-sequence';
import { roundRobinOver } from '@domain/routing';
import { parseScoringModel, type ScoringModel } from '@domain/scoring-model';
import scoringModelFile from '../../lib/config/scoring-model.json';
import { config } from '@commons/config';
import { leadStore } from '@commons/lead-store';
import { sesMailer } from '@commons/mailer';
import { signingSecrets } from '@commons/secrets';

let scoringModel: ScoringModel | undefined;
/** The model ops edit in the repo, bundled with the function and validated at cold start. */
const model = () => (scoringModel ??= parseScoringModel(scoringModelFile, 'lib/config/scoring-model.json'));

/** What the steps of the sequence work with. */
export const sequenceDeps = (): SequenceDeps => ({
  store: leadStore(),
  mailer: sesMailer(),
  secrets: signingSecrets(),
  clock: systemClock,
  sequence: config().SEQUENCE,
  reps: config().REPS,
  routing: config().ROUTING ?? roundRobinOver(config().REPS),
  scoringModel: model(),
  hotSlaMinutes: config().SLA_MINUTES.hot,
  publicBaseUrl: config().PUBLIC_BASE_URL,
  linkTtlDays: config().LINK_TTL_DAYS,
});

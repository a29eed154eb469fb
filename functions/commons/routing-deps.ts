import { systemClock } from '@domain/clock';
import type { RoutingDeps } from '@domain/lead-sequence';
import { parseScoringModel, type ScoringModel } from '@domain/scoring-model';
import scoringModelFile from '../../lib/config/scoring-model.json';
import { config, routingOf } from '@commons/config';
import { leadStore } from '@commons/lead-store';

let scoringModel: ScoringModel | undefined;
/** The model ops edit in the repo, bundled with the function and validated at cold start. */
const model = () => (scoringModel ??= parseScoringModel(scoringModelFile, 'lib/config/scoring-model.json'));

/** What scoring and routing work with: the store, the model and the routing, no mailer. */
export const routingDeps = (): RoutingDeps => ({
  store: leadStore(),
  clock: systemClock,
  reps: config().REPS,
  routing: routingOf(),
  scoringModel: model(),
});

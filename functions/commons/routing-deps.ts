import { systemClock } from '@domain/clock';
import type { RoutingDeps } from '@domain/lead-sequence';
import { parseScoringModel, type ScoringModel } from '@domain/scoring-model';
import scoringModelFile from '../../lib/config/scoring-model.json';
import { routingOf } from '@commons/config';
import { leadStore } from '@commons/lead-store';
import { teamStore } from '@commons/team-store';

let scoringModel: ScoringModel | undefined;
/** The model ops edit in the repo, bundled with the function and validated at cold start. */
const model = () => (scoringModel ??= parseScoringModel(scoringModelFile, 'lib/config/scoring-model.json'));

/** What scoring and routing work with: the stores, the model and the routing, no mailer. */
export const routingDeps = (): RoutingDeps => ({
  store: leadStore(),
  team: teamStore(),
  clock: systemClock,
  routing: routingOf(),
  scoringModel: model(),
});

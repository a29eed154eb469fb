import type { DeployConfig } from '../lib/config';
import type { LocalStack } from './stack';

/**
 * Who `npm start` lets sign in to the team app: a rep (the first rep of the default pool, who
 * gets a share of every lead no territory claims) and a manager (the stage's team lead). Local
 * only, so the password is printed and shared.
 */
export const DEMO_PASSWORD = 'Speed-To-Lead-1';

export function demoTeam(config: DeployConfig) {
  const rep = config.reps.find((r) => r.id === config.routing?.pools.default?.[0]) ?? config.reps[0]!;
  const manager = config.routing?.teamLead ?? { name: 'Demo Manager', email: 'manager@example.com' };
  return { rep: { id: rep.id, name: rep.name, email: rep.email }, manager: { name: manager.name, email: manager.email } };
}

/** Creates (or resets) the demo rep and manager in the local user pool. */
export async function addDemoTeam(stack: Pick<LocalStack, 'teamPool' | 'config'>) {
  const team = demoTeam(stack.config);
  await stack.teamPool.addUser({ email: team.rep.email, name: team.rep.name, password: DEMO_PASSWORD, groups: ['reps'] });
  await stack.teamPool.addUser({ email: team.manager.email, name: team.manager.name, password: DEMO_PASSWORD, groups: ['managers'] });
  return team;
}

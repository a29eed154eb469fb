import type { Rep } from '@domain/rep';

/**
 * Round-robin over the active reps. `turn` comes from an atomic counter in the lead store,
 * so leads routed in parallel never land on the same turn.
 */
export function assignOwner(reps: readonly Rep[], turn: number): Rep {
  const active = reps.filter((rep) => rep.active);
  if (active.length === 0) throw new Error('No active rep to route leads to: mark at least one rep active');
  return active[((turn % active.length) + active.length) % active.length]!;
}

import { z } from 'zod';
import { countryCode } from '@domain/countries';
import type { Rep } from '@domain/rep';
import { emailDomain } from '@domain/scoring';

/**
 * Who gets a lead: the account's owner first, then the territory's pool, then the default
 * pool, taking turns over the pool's active reps. Reps on leave are skipped.
 */
const repId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/);
const poolName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/, { error: 'must be lower-case letters, digits and dashes' });

export const RoutingSchema = z
  .object({
    /** Company email domain -> the rep who owns that account. */
    accountOwners: z.record(z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, { error: 'must be a lower-case domain' }), repId).default({}),
    /** First matching territory wins; countries are ISO codes. */
    territories: z
      .array(z.object({ name: z.string().min(1).max(40), countries: z.array(z.string().regex(/^[A-Z]{2}$/, { error: 'must be an ISO code such as "DE"' })).min(1), pool: poolName }).strict())
      .default([]),
    /** Reps taking turns; `default` takes every lead no territory claims. */
    pools: z.record(poolName, z.array(repId).min(1)).refine((pools) => 'default' in pools, { error: 'needs a "default" pool' }),
    /** Told when a hot lead is escalated. */
    teamLead: z.object({ name: z.string().min(1).max(100), email: z.email() }).strict().optional(),
  })
  .strict();

export type Routing = z.infer<typeof RoutingSchema>;

/** Every active rep in one default pool: what routing is when ops configured none. */
export const roundRobinOver = (reps: readonly Rep[]): Routing => ({ accountOwners: {}, territories: [], pools: { default: reps.map((rep) => rep.id) } });

export interface Assignment {
  owner: Rep;
  /** Why this rep, in words a rep understands. */
  rule: string;
}

/** Rep ids in the routing that no configured rep has: a config error to report at synth. */
export function unknownReps(routing: Routing, reps: readonly Rep[]): string[] {
  const known = new Set(reps.map((rep) => rep.id));
  const named = [...Object.values(routing.accountOwners), ...Object.values(routing.pools).flat()];
  return [...new Set(named.filter((id) => !known.has(id)))];
}

/**
 * Assigns the lead. `nextTurn(pool)` is an atomic counter per pool (the lead store's), so
 * leads routed in parallel never take the same turn.
 */
export async function routeLead(
  lead: { email: string; country?: string | undefined },
  reps: readonly Rep[],
  routing: Routing,
  nextTurn: (pool: string) => Promise<number>,
): Promise<Assignment> {
  const active = (id: string) => reps.find((rep) => rep.id === id && rep.active);
  const domain = emailDomain(lead.email);
  const accountOwner = routing.accountOwners[domain];
  const owner = accountOwner ? active(accountOwner) : undefined;
  if (owner) return { owner, rule: `account owner (${domain})` };

  const country = countryCode(lead.country);
  const territory = country ? routing.territories.find((t) => t.countries.includes(country)) : undefined;
  const candidates = (pool: string) => (routing.pools[pool] ?? []).map(active).filter((rep): rep is Rep => rep !== undefined);
  let pool = territory?.pool ?? 'default';
  // A territory whose reps are all away hands its leads to the default pool.
  if (candidates(pool).length === 0) pool = 'default';
  const inPool = candidates(pool);
  if (inPool.length === 0) throw new Error('No active rep to route leads to: mark at least one rep of the default pool active');
  const turn = await nextTurn(pool);
  const rule = territory && pool === territory.pool ? `territory ${territory.name} (round-robin)` : 'round-robin';
  return { owner: inPool[((turn % inPool.length) + inPool.length) % inPool.length]!, rule };
}

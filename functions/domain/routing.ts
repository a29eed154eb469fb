import * as z from '@domain/zod';
import { countryCode, IsoCountryCode } from '@domain/countries';
import { isAtWork, type Rep } from '@domain/rep';
import { emailDomain } from '@domain/scoring';

/**
 * Who gets a lead: the account's owner first, then the territory's pool, then the default
 * pool, taking turns over the pool's active reps. Reps on leave are skipped.
 */
const repId = z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/));
const poolName = z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,30}$/, { error: 'must be lower-case letters, digits and dashes' }));

export const RoutingSchema = z.strictObject({
  /** Company email domain -> the rep who owns that account. */
  accountOwners: z._default(z.record(z.string().check(z.regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, { error: 'must be a lower-case domain' })), repId), {}),
  /** First matching territory wins; countries are ISO codes. */
  territories: z._default(
    z.array(
      z.strictObject({ name: z.string().check(z.minLength(1), z.maxLength(40)), countries: z.array(IsoCountryCode).check(z.minLength(1)), pool: poolName }),
    ),
    [],
  ),
  /** Reps taking turns; `default` takes every lead no territory claims. */
  pools: z.record(poolName, z.array(repId).check(z.minLength(1))).check(z.refine((pools) => 'default' in pools, { error: 'needs a "default" pool' })),
  /** Told when a hot lead is escalated. */
  teamLead: z.optional(z.strictObject({ name: z.string().check(z.minLength(1), z.maxLength(100)), email: z.email() })),
});

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

type Lead = { email: string; country?: string | undefined };

/** The territory's pool for the lead, or the default pool; with the reps in it who take leads. */
function poolFor(lead: Lead, reps: readonly Rep[], routing: Routing, except?: string) {
  const takesLeads = (id: string) => reps.find((rep) => rep.id === id && rep.active && rep.id !== except);
  const members = (pool: string) => (routing.pools[pool] ?? []).map(takesLeads).filter((rep): rep is Rep => rep !== undefined);
  const country = countryCode(lead.country);
  const territory = country ? routing.territories.find((t) => t.countries.includes(country)) : undefined;
  // A territory whose reps are all away hands its leads to the default pool.
  if (territory && members(territory.pool).length > 0) return { pool: territory.pool, reps: members(territory.pool), rule: `territory ${territory.name} (round-robin)` };
  return { pool: 'default', reps: members('default'), rule: 'round-robin' };
}

const pick = (reps: Rep[], turn: number) => reps[((turn % reps.length) + reps.length) % reps.length]!;

/**
 * Assigns the lead. `nextTurn(pool)` is an atomic counter per pool (the lead store's), so
 * leads routed in parallel never take the same turn.
 */
export async function routeLead(lead: Lead, reps: readonly Rep[], routing: Routing, nextTurn: (pool: string) => Promise<number>): Promise<Assignment> {
  const domain = emailDomain(lead.email);
  const accountOwner = routing.accountOwners[domain];
  const owner = accountOwner ? reps.find((rep) => rep.id === accountOwner && rep.active) : undefined;
  if (owner) return { owner, rule: `account owner (${domain})` };

  const { pool, reps: inPool, rule } = poolFor(lead, reps, routing);
  if (inPool.length === 0) throw new Error('No active rep to route leads to: mark at least one rep of the default pool active');
  return { owner: pick(inPool, await nextTurn(pool)), rule };
}

/**
 * The next rep of the lead's pool other than its owner, for an escalation: one at work now
 * when any is (reps' working hours), otherwise any; none when nobody else is in.
 */
export async function nextRepAfter(
  lead: Lead,
  ownerId: string | undefined,
  reps: readonly Rep[],
  routing: Routing,
  nextTurn: (pool: string) => Promise<number>,
  now: Date = new Date(),
): Promise<Rep | undefined> {
  const { pool, reps: others } = poolFor(lead, reps, routing, ownerId);
  const atWork = others.filter((rep) => isAtWork(rep, now));
  const candidates = atWork.length > 0 ? atWork : others;
  return candidates.length === 0 ? undefined : pick(candidates, await nextTurn(pool));
}

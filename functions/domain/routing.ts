import * as z from '@domain/zod';
import { countryCode, IsoCountryCode } from '@domain/countries';
import { isAtWork, type Rep, SlackContactShape } from '@domain/rep';
import { emailDomain } from '@domain/scoring';
import { availability, type Availability, type TeamRep, type TeamToday } from '@domain/team';

/**
 * Who gets a lead: the account's owner first, then the territory's pool, then the default
 * pool, taking weighted turns over the pool's available reps. Territories and account owners
 * are the stage config's; who is in which pool, with what weight and cap, and who is away, is
 * the team's (runtime data, see @domain/team).
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
  /** Reps taking turns, as the team is first seeded (managers change it at runtime); `default` takes every lead no territory claims. */
  pools: z.record(poolName, z.array(repId).check(z.minLength(1))).check(z.refine((pools) => 'default' in pools, { error: 'needs a "default" pool' })),
  /**
   * A pool's Slack channel (its id, e.g. "C024BE91L"): every hot lead of the pool is posted there
   * too, besides its rep's own alert, so the team sees what waits. Only the lead's rep or the team
   * lead can answer from it; the bot must be in the channel (or have chat:write.public).
   */
  slackChannels: z._default(z.record(poolName, z.string().check(z.regex(/^[CG][A-Z0-9]{2,20}$/, 'a Slack channel id such as "C024BE91L" (channel details, at the bottom)'))), {}),
  /** Told when a hot lead is escalated. */
  teamLead: z.optional(z.strictObject({ name: z.string().check(z.minLength(1), z.maxLength(100)), email: z.email(), ...SlackContactShape })),
});

export type Routing = z.infer<typeof RoutingSchema>;

/** Every active rep in one default pool: what routing is when ops configured none. */
export const roundRobinOver = (reps: readonly Rep[]): Routing => ({ accountOwners: {}, territories: [], pools: { default: reps.map((rep) => rep.id) }, slackChannels: {} });

/** The pool a lead belongs to: its country's territory's, else the default (an account's owner takes it, the pool still watches it). */
export function poolOf(lead: { country?: string | undefined }, routing: Pick<Routing, 'territories'>): string {
  const country = lead.country ? countryCode(lead.country) : undefined;
  return (country ? routing.territories.find((t) => t.countries.includes(country))?.pool : undefined) ?? 'default';
}

/** Pools named for a Slack channel that the routing does not have: a config error to report at synth. */
export const unknownChannelPools = (routing: Pick<Routing, 'pools' | 'slackChannels'>): string[] => Object.keys(routing.slackChannels).filter((pool) => !(pool in routing.pools));

export interface Assignment {
  owner: TeamRep;
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

/**
 * The pool's reps expanded by weight into one cycle of sum(weights) turns, interleaved
 * (smooth weighted round-robin, as nginx does it): each rep gets exactly `weight` turns per
 * cycle, spread out rather than in a block, so a weight-3 rep does not get three leads in a row.
 */
export function weightedCycle<R extends Pick<TeamRep, 'weight'>>(reps: readonly R[]): R[] {
  const total = reps.reduce((sum, rep) => sum + rep.weight, 0);
  const credit = reps.map(() => 0);
  const cycle: R[] = [];
  for (let turn = 0; turn < total; turn++) {
    let best = 0;
    reps.forEach((rep, i) => {
      credit[i]! += rep.weight;
      if (credit[i]! > credit[best]!) best = i;
    });
    credit[best]! -= total;
    cycle.push(reps[best]!);
  }
  return cycle;
}

/** Turn n of the pool's counter, on the cycle of these reps. */
const pick = <R extends Pick<TeamRep, 'weight'>>(reps: readonly R[], turn: number): R => {
  const cycle = weightedCycle(reps);
  return cycle[((turn % cycle.length) + cycle.length) % cycle.length]!;
};

/** The pool routing takes turns in for a lead, the reps taking those turns, and the rule in words. */
interface PoolChoice {
  pool: string;
  reps: TeamRep[];
  rule: string;
  /** Whether the reps were chosen under their caps, so the count must be too (false: every rep was at cap). */
  withinCaps: boolean;
}

/**
 * The reps who take turns on the lead: the available reps of its territory's pool, else of
 * the default pool (a territory whose reps are all away or full hands its leads on). A lead
 * never sits unowned, so when every rep of both is at their daily cap, caps are ignored and
 * the rule says so ("round-robin (every rep at their daily cap)"), territory first; and when
 * every active rep is away (`anyoneAway`), the default pool's active reps take it anyway.
 * Within a pool, reps take turns in id order: the same team always routes the same way.
 */
function poolChoice(lead: Lead, team: TeamToday, routing: Routing, now: Date, opts: { except?: string; anyoneAway: boolean }): PoolChoice | undefined {
  const standing = new Map(team.reps.map((rep) => [rep.id, availability(rep, team.leadsToday[rep.id] ?? 0, now)]));
  const members = (pool: string, accepted: readonly Availability[]) =>
    team.reps.filter((rep) => rep.pools.includes(pool) && rep.id !== opts.except && accepted.includes(standing.get(rep.id)!)).sort((a, b) => (a.id < b.id ? -1 : 1));
  const country = countryCode(lead.country);
  const territory = country ? routing.territories.find((t) => t.countries.includes(country)) : undefined;
  const pools = [...(territory ? [{ pool: territory.pool, rule: (note: string) => `territory ${territory.name} (round-robin${note ? `, ${note}` : ''})` }] : []), { pool: 'default', rule: (note: string) => `round-robin${note ? ` (${note})` : ''}` }];
  const tiers: Array<{ accepted: Availability[]; note: string; withinCaps: boolean; pools: typeof pools }> = [
    { accepted: ['available'], note: '', withinCaps: true, pools },
    { accepted: ['available', 'at-cap'], note: 'every rep at their daily cap', withinCaps: false, pools },
    ...(opts.anyoneAway ? [{ accepted: ['available', 'at-cap', 'away'] as Availability[], note: 'every rep away', withinCaps: false, pools: pools.slice(-1) }] : []),
  ];
  for (const tier of tiers) {
    for (const { pool, rule } of tier.pools) {
      const reps = members(pool, tier.accepted);
      if (reps.length > 0) return { pool, reps, rule: rule(tier.note), withinCaps: tier.withinCaps };
    }
  }
  return undefined;
}

/** The pool's turn counter and the reps' daily counts, both atomic in the store (see TeamStore, LeadStore). */
export interface RoutingCounters {
  /** A new turn of the pool's counter on every call, so leads routed in parallel never take the same turn. */
  nextTurn(pool: string): Promise<number>;
  /** Counts the lead toward the rep's day; with a cap, only while under it (false: the rep just reached it). */
  countAssignment(repId: string, cap?: number): Promise<boolean>;
}

/**
 * Assigns the lead and counts it toward its owner's day. An account owner who is active and
 * not away gets their account's leads even past their cap (the account is theirs; the cap
 * limits their share of the pool). In a pool, the count is taken under the cap in one atomic
 * write: when a parallel lead took the rep's last slot, this one takes the next turn instead.
 */
export async function routeLead(lead: Lead, team: TeamToday, routing: Routing, counters: RoutingCounters, now: Date): Promise<Assignment> {
  const domain = emailDomain(lead.email);
  const accountOwner = team.reps.find((rep) => rep.id === routing.accountOwners[domain]);
  if (accountOwner && ['available', 'at-cap'].includes(availability(accountOwner, team.leadsToday[accountOwner.id] ?? 0, now))) {
    await counters.countAssignment(accountOwner.id);
    return { owner: accountOwner, rule: `account owner (${domain})` };
  }

  const leadsToday = { ...team.leadsToday };
  for (;;) {
    const choice = poolChoice(lead, { reps: team.reps, leadsToday }, routing, now, { anyoneAway: true });
    if (!choice) throw new Error('No active rep to route leads to: mark at least one rep of the default pool active');
    const owner = pick(choice.reps, await counters.nextTurn(choice.pool));
    const cap = choice.withinCaps ? owner.dailyCap : undefined;
    if (await counters.countAssignment(owner.id, cap)) return { owner, rule: choice.rule };
    // Full since the counts were read: at cap from now on, for this lead's next try too.
    leadsToday[owner.id] = cap!;
  }
}

/**
 * The next rep of the lead's pool other than its owner, for an escalation: available ones
 * first (caps ignored only when all are full, as for routing), one at work now when any is
 * (reps' working hours), otherwise any; none when nobody else is in, or all others are away
 * (an escalation to someone away helps nobody: the team lead still hears of it).
 */
export async function nextRepAfter(
  lead: Lead,
  ownerId: string | undefined,
  team: TeamToday,
  routing: Routing,
  nextTurn: (pool: string) => Promise<number>,
  now: Date = new Date(),
): Promise<TeamRep | undefined> {
  const choice = poolChoice(lead, team, routing, now, { ...(ownerId ? { except: ownerId } : {}), anyoneAway: false });
  if (!choice) return undefined;
  const atWork = choice.reps.filter((rep) => isAtWork(rep, now));
  return pick(atWork.length > 0 ? atWork : choice.reps, await nextTurn(choice.pool));
}

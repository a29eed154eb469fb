import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countryCode } from '@domain/countries';
import type { Rep } from '@domain/rep';
import { nextRepAfter, roundRobinOver, routeLead, type RoutingCounters, RoutingSchema, unknownReps, weightedCycle, type Routing } from '@domain/routing';
import { availability, teamFromConfig, type TeamRep, type TeamToday } from '@domain/team';

const rep = (id: string, active = true): Rep => ({ id, name: id, email: `${id}@example.com`, active });
const reps = [rep('rep-ana'), rep('rep-ben'), rep('rep-cho'), rep('rep-dee', false), rep('rep-eve')];
const routing: Routing = RoutingSchema.parse({
  accountOwners: { 'acme.io': 'rep-cho', 'onleave.com': 'rep-dee' },
  territories: [
    { name: 'dach', countries: ['DE', 'AT', 'CH'], pool: 'dach' },
    { name: 'nordics', countries: ['SE', 'NO'], pool: 'nordics' },
  ],
  pools: { default: ['rep-ana', 'rep-ben'], dach: ['rep-eve', 'rep-dee'], nordics: ['rep-dee'] },
});
/** A Tuesday morning, UTC. */
const NOW = new Date('2026-11-03T10:00:00Z');

/** The team as the config seeds it, with some reps changed, and today's counts. */
const teamOf = (configured: readonly Rep[], routed: Routing, changes: Record<string, Partial<TeamRep>> = {}, leadsToday: Record<string, number> = {}): TeamToday => ({
  reps: teamFromConfig(configured, routed).map((member) => ({ ...member, ...changes[member.id] })),
  leadsToday,
});
const team = teamOf(reps, routing);

/** A counter per pool and a count per rep, as the stores keep them (the cap checked in the same step). */
const counters = (leadsToday: Record<string, number> = {}) => {
  const turns = new Map<string, number>();
  const counted = new Map(Object.entries(leadsToday));
  const calls: Array<{ repId: string; cap?: number }> = [];
  const store: RoutingCounters & { counted: Map<string, number>; calls: typeof calls } = {
    counted,
    calls,
    async nextTurn(pool) {
      const turn = turns.get(pool) ?? 0;
      turns.set(pool, turn + 1);
      return turn;
    },
    async countAssignment(repId, cap) {
      calls.push({ repId, ...(cap !== undefined ? { cap } : {}) });
      const n = counted.get(repId) ?? 0;
      if (cap !== undefined && n >= cap) return false;
      counted.set(repId, n + 1);
      return true;
    },
  };
  return store;
};
const nextTurn = () => counters().nextTurn;

/** Routes `n` leads one after another, each seeing the counts the previous ones left. */
async function ownersOf(n: number, today: TeamToday, lead: (i: number) => { email: string; country?: string } = (i) => ({ email: `l${i}@corp.com` }), routed = routing) {
  const store = counters(today.leadsToday);
  const owners: string[] = [];
  for (let i = 0; i < n; i++) owners.push((await routeLead(lead(i), { reps: today.reps, leadsToday: Object.fromEntries(store.counted) }, routed, store, NOW)).owner.id);
  return owners;
}
const tally = (owners: string[]) => owners.reduce<Record<string, number>>((count, id) => ({ ...count, [id]: (count[id] ?? 0) + 1 }), {});

describe('routing a lead', () => {
  it('gives it to the account owner first, whatever the territory', async () => {
    expect(await routeLead({ email: 'x@acme.io', country: 'Germany' }, team, routing, counters(), NOW)).toMatchObject({ owner: { id: 'rep-cho' }, rule: 'account owner (acme.io)' });
  });

  it('then to the territory pool, taking turns over its active reps', async () => {
    expect(await ownersOf(3, team, (i) => ({ email: `p${i}@firma.de`, country: 'Österreich' }))).toEqual(['rep-eve', 'rep-eve', 'rep-eve']);
    expect((await routeLead({ email: 'p@firma.de', country: 'DE' }, team, routing, counters(), NOW)).rule).toBe('territory dach (round-robin)');
  });

  it('skips an owner on leave, and a territory whose reps are all away', async () => {
    expect((await routeLead({ email: 'x@onleave.com' }, team, routing, counters(), NOW)).rule).toBe('round-robin');
    expect((await routeLead({ email: 'x@bolag.se', country: 'SE' }, team, routing, counters(), NOW)).rule).toBe('round-robin');
  });

  it('takes turns in the default pool for everyone else', async () => {
    expect(await ownersOf(4, team, (i) => ({ email: `l${i}@corp.com`, country: 'Atlantis' }))).toEqual(['rep-ana', 'rep-ben', 'rep-ana', 'rep-ben']);
  });

  it('with no routing configured, round-robins over every active rep', async () => {
    expect(await ownersOf(5, teamOf(reps, roundRobinOver(reps)), undefined, roundRobinOver(reps))).toEqual(['rep-ana', 'rep-ben', 'rep-cho', 'rep-eve', 'rep-ana']);
  });

  it('says what to fix when nobody can take leads, or a rep is unknown', async () => {
    const alone = [rep('rep-ana', false)];
    await expect(routeLead({ email: 'a@b.co' }, teamOf(alone, roundRobinOver(alone)), roundRobinOver(alone), counters(), NOW)).rejects.toThrow(/at least one rep/);
    expect(unknownReps({ ...routing, pools: { default: ['rep-zed'] } }, reps)).toEqual(['rep-zed']);
    expect(RoutingSchema.safeParse({ pools: { emea: ['rep-ana'] } }).error?.issues[0]?.message).toBe('needs a "default" pool');
  });

  it('follows the team, not the config: a rep a manager moved into a pool takes its turns', async () => {
    const moved = teamOf(reps, routing, { 'rep-cho': { pools: ['default'] } });
    expect(await ownersOf(3, moved)).toEqual(['rep-ana', 'rep-ben', 'rep-cho']);
  });
});

describe('weights', () => {
  const trio = [rep('rep-ana'), rep('rep-ben'), rep('rep-cho')];
  const pool = roundRobinOver(trio);

  it('give each rep exactly their weight in turns over every cycle of sum(weights) leads, interleaved', async () => {
    const weighted = teamOf(trio, pool, { 'rep-ana': { weight: 3 }, 'rep-ben': { weight: 1 }, 'rep-cho': { weight: 2 } });
    const owners = await ownersOf(60, weighted, undefined, pool);
    for (let cycle = 0; cycle < 10; cycle++) expect(tally(owners.slice(cycle * 6, cycle * 6 + 6))).toEqual({ 'rep-ana': 3, 'rep-ben': 1, 'rep-cho': 2 });
    // Smooth: the weight-3 rep's turns are spread over the cycle, never three leads in a row.
    let run = 0;
    let longest = 0;
    owners.forEach((id, i) => {
      run = id === owners[i - 1] ? run + 1 : 1;
      longest = Math.max(longest, run);
    });
    expect(longest).toBeLessThan(3);
  });

  it('of any team give exact shares over any sum(weights) consecutive turns (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 8 }), fc.nat(1000), (weights, start) => {
        const members = weights.map((weight, i) => ({ id: `rep-${i}`, weight }));
        const cycle = weightedCycle(members);
        const total = weights.reduce((a, b) => a + b, 0);
        const window = Array.from({ length: total }, (_, n) => cycle[(start + n) % cycle.length]!.id);
        expect(tally(window)).toEqual(Object.fromEntries(members.map((member) => [member.id, member.weight])));
      }),
    );
  });
});

describe('away, inactive and daily caps', () => {
  const quartet = [rep('rep-ana'), rep('rep-ben'), rep('rep-cho'), rep('rep-dee')];
  const pool = roundRobinOver(quartet);

  it('skip a rep who is away until a later day, and take them back on their first day back', async () => {
    expect(await ownersOf(4, teamOf(quartet, pool, { 'rep-ben': { awayUntil: '2026-11-04' } }), undefined, pool)).toEqual(['rep-ana', 'rep-cho', 'rep-dee', 'rep-ana']);
    expect(await ownersOf(4, teamOf(quartet, pool, { 'rep-ben': { awayUntil: '2026-11-03' } }), undefined, pool)).toEqual(['rep-ana', 'rep-ben', 'rep-cho', 'rep-dee']);
  });

  it('count the first day back in the rep\'s own zone', () => {
    // 10:00 UTC on the 3rd is 23:00 on the 3rd in Auckland, 02:00 on the 3rd in Los Angeles.
    const zoned = (zone: string): TeamRep => ({ ...teamFromConfig([rep('rep-ana')], pool)[0]!, awayUntil: '2026-11-04', workingHours: { start: '09:00', end: '17:00', days: [1, 2, 3, 4, 5], defaultTimeZone: zone } });
    expect(availability(zoned('Pacific/Auckland'), 0, NOW)).toBe('away');
    expect(availability(zoned('Pacific/Auckland'), 0, new Date('2026-11-03T11:00:00Z'))).toBe('available');
    expect(availability(zoned('America/Los_Angeles'), 0, new Date('2026-11-04T07:00:00Z'))).toBe('away');
  });

  it('skip a rep at their daily cap, whose turns the others share evenly', async () => {
    const capped = teamOf(quartet, pool, { 'rep-cho': { dailyCap: 2 } }, { 'rep-cho': 2 });
    const owners = await ownersOf(6, capped, undefined, pool);
    expect(tally(owners)).toEqual({ 'rep-ana': 2, 'rep-ben': 2, 'rep-dee': 2 });
  });

  it('count under the cap in the same step: a rep whose last slot a parallel lead took is skipped for the next turn', async () => {
    const capped = teamOf(quartet, pool, { 'rep-ana': { dailyCap: 1 } });
    // The counts read said 0; the store already holds 1 (another lead was routed meanwhile).
    const store = counters({ 'rep-ana': 1 });
    const { owner } = await routeLead({ email: 'x@corp.com' }, capped, pool, store, NOW);
    expect(owner.id).not.toBe('rep-ana');
    expect(store.calls).toEqual([{ repId: 'rep-ana', cap: 1 }, { repId: owner.id }]);
    expect(store.counted.get('rep-ana')).toBe(1);
  });

  it('send a territory whose reps are all at cap to the default pool', async () => {
    const full = teamOf(reps, routing, { 'rep-eve': { dailyCap: 3 } }, { 'rep-eve': 3 });
    expect(await routeLead({ email: 'p@firma.de', country: 'DE' }, full, routing, counters(full.leadsToday), NOW)).toMatchObject({ owner: { id: 'rep-ana' }, rule: 'round-robin' });
  });

  /**
   * Every rep of the pool at their cap: the lead still gets an owner (a lead never sits
   * unowned), taking turns as if there were no caps, and the rule says so; counted past the cap.
   */
  it('when every rep is at their cap, route as if there were none, and say so', async () => {
    const full = teamOf(quartet, pool, Object.fromEntries(quartet.map((r) => [r.id, { dailyCap: 1 }])), Object.fromEntries(quartet.map((r) => [r.id, 1])));
    const store = counters(full.leadsToday);
    const assignment = await routeLead({ email: 'x@corp.com' }, full, pool, store, NOW);
    expect(assignment).toMatchObject({ owner: { id: 'rep-ana' }, rule: 'round-robin (every rep at their daily cap)' });
    expect(store.calls).toEqual([{ repId: 'rep-ana' }]);
    expect(store.counted.get('rep-ana')).toBe(2);
    const dach = teamOf(reps, routing, { 'rep-eve': { dailyCap: 1 }, 'rep-ana': { dailyCap: 1 }, 'rep-ben': { dailyCap: 1 } }, { 'rep-eve': 1, 'rep-ana': 1, 'rep-ben': 1 });
    expect(await routeLead({ email: 'p@firma.de', country: 'AT' }, dach, routing, counters(dach.leadsToday), NOW)).toMatchObject({
      owner: { id: 'rep-eve' },
      rule: 'territory dach (round-robin, every rep at their daily cap)',
    });
  });

  it('when every active rep is away, give the lead to the default pool anyway, and say so', async () => {
    const away = teamOf(quartet, pool, Object.fromEntries(quartet.map((r) => [r.id, { awayUntil: '2026-12-01' }])));
    expect(await routeLead({ email: 'x@corp.com' }, away, pool, counters(), NOW)).toMatchObject({ owner: { id: 'rep-ana' }, rule: 'round-robin (every rep away)' });
  });

  it('never give a pool lead to a rep who is away, inactive or full while another rep is available (property)', async () => {
    const standing = fc.constantFrom('available', 'away', 'inactive', 'at-cap');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(standing, fc.integer({ min: 1, max: 10 })), { minLength: 1, maxLength: 6 }), fc.nat(100), async (members, turn) => {
        const people = members.map((_, i) => rep(`rep-${i}`));
        const changes = Object.fromEntries(
          members.map(([state, weight], i) => [
            `rep-${i}`,
            { weight, active: state !== 'inactive', ...(state === 'away' ? { awayUntil: '2026-11-10' } : {}), ...(state === 'at-cap' ? { dailyCap: 2 } : {}) },
          ]),
        );
        const today = teamOf(people, roundRobinOver(people), changes, Object.fromEntries(members.map((_, i) => [`rep-${i}`, 2])));
        const store = counters(today.leadsToday);
        for (let i = 0; i < turn % 7; i++) await store.nextTurn('default');
        const route = routeLead({ email: 'x@corp.com' }, today, roundRobinOver(people), store, NOW);
        const available = members.some(([state]) => state === 'available');
        if (!members.some(([state]) => state !== 'inactive')) return void (await expect(route).rejects.toThrow(/at least one rep/));
        const { owner } = await route;
        if (available) expect(availability(owner, 2, NOW)).toBe('available');
        else expect(owner.active).toBe(true);
      }),
    );
  });

  it('give an account owner their account past their cap, and to the pool while they are away', async () => {
    const full = teamOf(reps, routing, { 'rep-cho': { dailyCap: 1 } }, { 'rep-cho': 5 });
    expect(await routeLead({ email: 'x@acme.io' }, full, routing, counters(full.leadsToday), NOW)).toMatchObject({ owner: { id: 'rep-cho' }, rule: 'account owner (acme.io)' });
    const away = teamOf(reps, routing, { 'rep-cho': { awayUntil: '2026-11-09' } });
    expect((await routeLead({ email: 'x@acme.io' }, away, routing, counters(), NOW)).rule).toBe('round-robin');
  });
});

describe('escalating a lead', () => {
  const nineToFive = (zone: string) => ({ start: '09:00', end: '17:00', days: [1, 2, 3, 4, 5], defaultTimeZone: zone });
  const people = [
    rep('rep-ana'),
    { ...rep('rep-ben'), workingHours: nineToFive('Europe/Berlin') },
    { ...rep('rep-cho'), workingHours: nineToFive('America/New_York') },
  ];
  const pool = RoutingSchema.parse({ pools: { default: ['rep-ana', 'rep-ben', 'rep-cho'] } });
  const trio = teamOf(people, pool);

  it('goes to another rep of the pool who is at work now', async () => {
    // Tuesday 15:00 UTC: 16:00 in Berlin (working), 10:00 in New York (working).
    const tuesday = new Date('2026-11-03T15:00:00Z');
    const picks = new Set<string>();
    const next = nextTurn();
    for (let i = 0; i < 4; i++) picks.add((await nextRepAfter({ email: 'x@corp.com' }, 'rep-ana', trio, pool, next, tuesday))!.id);
    expect([...picks].sort()).toEqual(['rep-ben', 'rep-cho']);
    // Tuesday 20:00 UTC: Berlin has gone home; New York is still at work.
    expect((await nextRepAfter({ email: 'x@corp.com' }, 'rep-ana', trio, pool, nextTurn(), new Date('2026-11-03T20:00:00Z')))!.id).toBe('rep-cho');
  });

  it('goes to anyone else when nobody is at work, and nowhere when the owner is alone', async () => {
    const sunday = new Date('2026-11-08T12:00:00Z');
    const pair = RoutingSchema.parse({ pools: { default: ['rep-ben', 'rep-cho'] } });
    expect((await nextRepAfter({ email: 'x@corp.com' }, 'rep-cho', teamOf(people.slice(1), pair), pair, nextTurn(), sunday))!.id).toBe('rep-ben');
    expect(await nextRepAfter({ email: 'x@corp.com' }, 'rep-ana', teamOf([rep('rep-ana')], roundRobinOver([rep('rep-ana')])), roundRobinOver([rep('rep-ana')]), nextTurn(), sunday)).toBeUndefined();
  });

  it('skips reps who are away or full, ignores caps only when every other rep is full, and goes to nobody away', async () => {
    const tuesday = new Date('2026-11-03T15:00:00Z');
    const benAway = teamOf(people, pool, { 'rep-ben': { awayUntil: '2026-11-05' } });
    expect((await nextRepAfter({ email: 'x@corp.com' }, 'rep-ana', benAway, pool, nextTurn(), tuesday))!.id).toBe('rep-cho');
    const othersFull = teamOf(people, pool, { 'rep-ben': { dailyCap: 1 }, 'rep-cho': { dailyCap: 1 } }, { 'rep-ben': 1, 'rep-cho': 1 });
    expect((await nextRepAfter({ email: 'x@corp.com' }, 'rep-ana', othersFull, pool, nextTurn(), tuesday))!.id).toBe('rep-ben');
    const othersAway = teamOf(people, pool, { 'rep-ben': { awayUntil: '2026-11-05' }, 'rep-cho': { awayUntil: '2026-11-05' } });
    expect(await nextRepAfter({ email: 'x@corp.com' }, 'rep-ana', othersAway, pool, nextTurn(), tuesday)).toBeUndefined();
  });
});

describe('countries as people type them', () => {
  it('become ISO codes, in several languages, with retired codes mapped to current ones', () => {
    expect(['Germany', 'deutschland', 'de', 'Österreich', 'Schweiz', 'España', 'France', 'UK', 'United Kingdom', 'USA', 'Atlantis', ''].map(countryCode)).toEqual([
      'DE', 'DE', 'DE', 'AT', 'CH', 'ES', 'FR', 'GB', 'GB', 'US', undefined, undefined,
    ]);
  });
});

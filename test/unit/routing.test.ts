import { describe, expect, it } from 'vitest';
import { countryCode } from '@domain/countries';
import type { Rep } from '@domain/rep';
import { nextRepAfter, roundRobinOver, routeLead, RoutingSchema, unknownReps, type Routing } from '@domain/routing';

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

/** A counter per pool, as the lead store keeps it. */
const turns = () => {
  const counters = new Map<string, number>();
  return async (pool: string) => {
    const turn = counters.get(pool) ?? 0;
    counters.set(pool, turn + 1);
    return turn;
  };
};

describe('routing a lead', () => {
  it('gives it to the account owner first, whatever the territory', async () => {
    expect(await routeLead({ email: 'x@acme.io', country: 'Germany' }, reps, routing, turns())).toMatchObject({ owner: { id: 'rep-cho' }, rule: 'account owner (acme.io)' });
  });

  it('then to the territory pool, taking turns over its active reps', async () => {
    const next = turns();
    const owners = [];
    for (let i = 0; i < 3; i++) owners.push((await routeLead({ email: `p${i}@firma.de`, country: 'Österreich' }, reps, routing, next)).owner.id);
    expect(owners).toEqual(['rep-eve', 'rep-eve', 'rep-eve']);
    expect((await routeLead({ email: 'p@firma.de', country: 'DE' }, reps, routing, next)).rule).toBe('territory dach (round-robin)');
  });

  it('skips an owner on leave, and a territory whose reps are all away', async () => {
    expect((await routeLead({ email: 'x@onleave.com' }, reps, routing, turns())).rule).toBe('round-robin');
    expect((await routeLead({ email: 'x@bolag.se', country: 'SE' }, reps, routing, turns())).rule).toBe('round-robin');
  });

  it('takes turns in the default pool for everyone else', async () => {
    const next = turns();
    const owners = [];
    for (let i = 0; i < 4; i++) owners.push((await routeLead({ email: `l${i}@corp.com`, country: 'Atlantis' }, reps, routing, next)).owner.id);
    expect(owners).toEqual(['rep-ana', 'rep-ben', 'rep-ana', 'rep-ben']);
  });

  it('with no routing configured, round-robins over every active rep', async () => {
    const next = turns();
    const owners = [];
    for (let i = 0; i < 5; i++) owners.push((await routeLead({ email: `l${i}@corp.com` }, reps, roundRobinOver(reps), next)).owner.id);
    expect(owners).toEqual(['rep-ana', 'rep-ben', 'rep-cho', 'rep-eve', 'rep-ana']);
  });

  it('says what to fix when nobody can take leads, or a rep is unknown', async () => {
    await expect(routeLead({ email: 'a@b.co' }, [rep('rep-ana', false)], roundRobinOver([rep('rep-ana', false)]), turns())).rejects.toThrow(/at least one rep/);
    expect(unknownReps({ ...routing, pools: { default: ['rep-zed'] } }, reps)).toEqual(['rep-zed']);
    expect(RoutingSchema.safeParse({ pools: { emea: ['rep-ana'] } }).error?.issues[0]?.message).toBe('needs a "default" pool');
  });
});

describe('escalating a lead', () => {
  const nineToFive = (zone: string) => ({ start: '09:00', end: '17:00', days: [1, 2, 3, 4, 5], defaultTimeZone: zone });
  const team = [
    rep('rep-ana'),
    { ...rep('rep-ben'), workingHours: nineToFive('Europe/Berlin') },
    { ...rep('rep-cho'), workingHours: nineToFive('America/New_York') },
  ];
  const pool = RoutingSchema.parse({ pools: { default: ['rep-ana', 'rep-ben', 'rep-cho'] } });

  it('goes to another rep of the pool who is at work now', async () => {
    // Tuesday 15:00 UTC: 16:00 in Berlin (working), 10:00 in New York (working).
    const tuesday = new Date('2026-11-03T15:00:00Z');
    const picks = new Set<string>();
    const next = turns();
    for (let i = 0; i < 4; i++) picks.add((await nextRepAfter({ email: 'x@corp.com' }, 'rep-ana', team, pool, next, tuesday))!.id);
    expect([...picks].sort()).toEqual(['rep-ben', 'rep-cho']);
    // Tuesday 20:00 UTC: Berlin has gone home; New York is still at work.
    expect((await nextRepAfter({ email: 'x@corp.com' }, 'rep-ana', team, pool, turns(), new Date('2026-11-03T20:00:00Z')))!.id).toBe('rep-cho');
  });

  it('goes to anyone else when nobody is at work, and nowhere when the owner is alone', async () => {
    const sunday = new Date('2026-11-08T12:00:00Z');
    expect((await nextRepAfter({ email: 'x@corp.com' }, 'rep-cho', team.slice(1), RoutingSchema.parse({ pools: { default: ['rep-ben', 'rep-cho'] } }), turns(), sunday))!.id).toBe('rep-ben');
    expect(await nextRepAfter({ email: 'x@corp.com' }, 'rep-ana', [rep('rep-ana')], roundRobinOver([rep('rep-ana')]), turns(), sunday)).toBeUndefined();
  });
});

describe('countries as people type them', () => {
  it('become ISO codes, in several languages, with retired codes mapped to current ones', () => {
    expect(['Germany', 'deutschland', 'de', 'Österreich', 'Schweiz', 'España', 'France', 'UK', 'United Kingdom', 'USA', 'Atlantis', ''].map(countryCode)).toEqual([
      'DE', 'DE', 'DE', 'AT', 'CH', 'ES', 'FR', 'GB', 'GB', 'US', undefined, undefined,
    ]);
  });
});

import * as z from '@domain/zod';
import { ValidationError, type FieldIssue } from '@domain/errors';
import type { TeamStore } from '@domain/ports';
import { RepSchema, type Rep } from '@domain/rep';
import type { Routing } from '@domain/routing';
import type { TeamChange, TeamMember, TeamMemberChange } from '@domain/team-app';

/**
 * The team as data: who takes leads from which pools, how large a share (weight), how many a
 * day (cap), and who is away. Managers change it at runtime (the table holds it); the stage
 * config only seeds it, and keeps being the source of who a rep is (name, email, working hours).
 */
export const WEIGHT = { min: 1, max: 10, default: 1 } as const;

const DAY_FORMAT = /^\d{4}-\d{2}-\d{2}$/;
/** Whether a YYYY-MM-DD day exists (not 2026-02-30); a day not in that format is the format check's to refuse. */
const isCalendarDay = (day: string) => {
  if (!DAY_FORMAT.test(day)) return true;
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day;
};

/** YYYY-MM-DD, a day that exists. */
const Day = z.string().check(
  z.regex(DAY_FORMAT, { error: 'must be a date as YYYY-MM-DD, e.g. "2026-11-03"' }),
  z.refine(isCalendarDay, { error: 'is not a day of the calendar' }),
);

const weightMessage = `must be a whole number from ${WEIGHT.min} to ${WEIGHT.max}`;
const Weight = z.number({ error: weightMessage }).check(z.int({ error: weightMessage }), z.minimum(WEIGHT.min, { error: weightMessage }), z.maximum(WEIGHT.max, { error: weightMessage }));
const capMessage = 'must be a whole number of leads a day, at least 1 (null: no cap)';
const DailyCap = z.number({ error: capMessage }).check(z.int({ error: capMessage }), z.minimum(1, { error: capMessage }));

/**
 * A rep as the team keeps them; `version` counts the stored changes, so two managers' edits
 * never overwrite each other. Not strict: while a deploy rolls out, an older function may read
 * a field a newer one wrote.
 */
export const TeamRepSchema = z.object({
  ...RepSchema.shape,
  /** The first day back (in the rep's working-hours zone, UTC without one); away before it. */
  awayUntil: z.optional(Day),
  /** The pools whose leads this rep takes turns on. */
  pools: z.array(z.string()),
  weight: z._default(Weight, WEIGHT.default),
  /** At most this many new leads a UTC day; none: no cap. */
  dailyCap: z.optional(DailyCap),
  version: z.number().check(z.int(), z.minimum(1)),
});

export type TeamRep = z.infer<typeof TeamRepSchema>;

/** What routing does with a rep now. */
export type Availability = TeamMember['availability'];

/**
 * The stage config's reps as team members, before anyone changed them: a rep's pools are the
 * pools that list them, each with weight 1 and no cap. This is what the table is seeded with.
 */
export function teamFromConfig(reps: readonly Rep[], routing: Pick<Routing, 'pools'>): TeamRep[] {
  return reps.map((rep) => ({
    ...rep,
    pools: Object.entries(routing.pools)
      .filter(([, ids]) => ids.includes(rep.id))
      .map(([pool]) => pool),
    weight: WEIGHT.default,
    version: 1,
  }));
}

/**
 * The team from what the table holds and what the stage config says: every configured rep,
 * stored settings where there are some (the config's where not, yet), but the config's name,
 * email, working hours and Slack and SMS contact (where alerts go), which deploys own. A rep the config no longer lists has left the
 * team; their stored item stays, so listing them again restores their settings. Pools the
 * config no longer has are dropped.
 */
export function rosterOf(stored: readonly TeamRep[], seed: readonly TeamRep[], pools: readonly string[]): TeamRep[] {
  const byId = new Map(stored.map((rep) => [rep.id, rep]));
  return seed.map((configured) => {
    const kept = byId.get(configured.id);
    if (!kept) return configured;
    const { workingHours: _stored, alerts: _alerts, slackUserId: _slackUserId, smsAlertsTo: _smsAlertsTo, ...settings } = kept;
    const { id, name, email, workingHours, alerts, slackUserId, smsAlertsTo } = configured;
    const contact = { ...(workingHours ? { workingHours } : {}), ...(alerts ? { alerts } : {}), ...(slackUserId ? { slackUserId } : {}), ...(smsAlertsTo ? { smsAlertsTo } : {}) };
    return { ...settings, id, name, email, ...contact, pools: kept.pools.filter((pool) => pools.includes(pool)) };
  });
}

/** The UTC day of `now`, YYYY-MM-DD: what daily caps count in. */
export const utcDay = (now: Date): string => now.toISOString().slice(0, 10);

const dayFormats = new Map<string, Intl.DateTimeFormat>();
/** The day it is at `now` where the rep works (their working hours' zone), UTC without one. */
function repDay(rep: Pick<Rep, 'workingHours'>, now: Date): string {
  const zone = rep.workingHours?.defaultTimeZone;
  if (!zone) return utcDay(now);
  let format = dayFormats.get(zone);
  if (!format) dayFormats.set(zone, (format = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  return format.format(now);
}

/** Inactive before away before at cap: the first that applies is what the team page shows. */
export function availability(rep: TeamRep, leadsToday: number, now: Date): Availability {
  if (!rep.active) return 'inactive';
  if (rep.awayUntil && repDay(rep, now) < rep.awayUntil) return 'away';
  if (rep.dailyCap !== undefined && leadsToday >= rep.dailyCap) return 'at-cap';
  return 'available';
}

/** The team and how many leads each rep got today: what routing decides with. */
export interface TeamToday {
  reps: readonly TeamRep[];
  /** Leads routed to each rep this UTC day, by rep id; none listed: none yet. */
  leadsToday: Readonly<Record<string, number>>;
}

/** Reads the team and today's counts, for one lead: a manager's change applies from the next lead on. */
export async function readTeamToday(team: Pick<TeamStore, 'readTeam' | 'countLeadsToday'>, now: Date): Promise<TeamToday> {
  const reps = await team.readTeam();
  return { reps, leadsToday: await team.countLeadsToday(reps.map((rep) => rep.id), utcDay(now)) };
}

/** The fields a manager may change, with what is wrong in each named (PUT /app/api/team/reps/{repId}). */
export function teamMemberChangeSchema(pools: readonly string[]) {
  const known = `the pools are ${pools.map((pool) => `"${pool}"`).join(', ')}`;
  return z.strictObject({
    active: z.optional(z.boolean({ error: 'must be true or false' })),
    awayUntil: z.optional(z.nullable(Day)),
    pools: z.optional(
      z.array(
        z.string({ error: `must be a pool's name: ${known}` }).check(z.refine((pool) => pools.includes(pool), { error: (issue) => `is not a pool: "${String(issue.input)}" (${known})` })),
        { error: `must be a list of pools: ${known}` },
      ),
    ),
    weight: z.optional(Weight),
    dailyCap: z.optional(z.nullable(DailyCap)),
    version: z.optional(z.number({ error: 'must be the version the team page showed (a whole number)' }).check(z.int({ error: 'must be a whole number' }), z.minimum(1, { error: 'must be at least 1' }))),
  }) satisfies z.ZodMiniType<TeamMemberChange>;
}

const CHANGEABLE = ['active', 'awayUntil', 'pools', 'weight', 'dailyCap'] as const satisfies ReadonlyArray<keyof TeamMemberChange>;

/**
 * Reads a change from a request's body, or throws a ValidationError naming each wrong field;
 * an unknown field is refused (a typo must not look like a change that was saved). Pools come
 * back once each, in the config's order.
 */
export function parseTeamMemberChange(body: unknown, pools: readonly string[]): TeamMemberChange {
  const result = z.safeParse(teamMemberChangeSchema(pools), body ?? {});
  if (!result.success) {
    const issues: FieldIssue[] = result.error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({ path: key, message: `is not a field you can change (${CHANGEABLE.join(', ')})` }))
        : [{ path: issue.path.map(String).join('.') || '(body)', message: issue.path.length === 0 ? 'must be a JSON object of the fields to change' : issue.message }],
    );
    throw new ValidationError(`Invalid ${issues.map((i) => i.path).join(', ')}: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, issues);
  }
  const change = result.data;
  return change.pools ? { ...change, pools: pools.filter((pool) => change.pools!.includes(pool)) } : change;
}

/** What a change did, field by field: absent values are `null`, so the audit reads "from null to 2026-11-10". */
export type FieldChanges = TeamChange['changes'];

const sameValue = (a: unknown, b: unknown) =>
  Array.isArray(a) && Array.isArray(b) ? a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n') : a === b;

/**
 * The rep after the change, and what changed. A field set to the value it had records nothing,
 * and a change with no effect keeps the rep (and their version) as they were.
 */
export function applyChange(rep: TeamRep, change: TeamMemberChange): { rep: TeamRep; changes: FieldChanges } {
  const changes: FieldChanges = {};
  const next: TeamRep = { ...rep };
  for (const field of CHANGEABLE) {
    if (change[field] === undefined) continue;
    const from = rep[field] ?? null;
    const to = change[field] ?? null;
    if (sameValue(from, to)) continue;
    changes[field] = { from, to };
    if (to === null) delete next[field];
    else Object.assign(next, { [field]: to });
  }
  if (Object.keys(changes).length === 0) return { rep, changes };
  return { rep: { ...next, version: rep.version + 1 }, changes };
}

/** A rep as the team page shows them. */
export function teamMemberOf(rep: TeamRep, leadsToday: number, now: Date): TeamMember {
  return {
    id: rep.id,
    name: rep.name,
    email: rep.email,
    active: rep.active,
    ...(rep.awayUntil ? { awayUntil: rep.awayUntil } : {}),
    pools: rep.pools,
    weight: rep.weight,
    ...(rep.dailyCap !== undefined ? { dailyCap: rep.dailyCap } : {}),
    leadsToday,
    availability: availability(rep, leadsToday, now),
    version: rep.version,
  };
}

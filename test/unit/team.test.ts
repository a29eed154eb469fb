import { describe, expect, it } from 'vitest';
import { RepNotFound, TeamChanged, ValidationError } from '@domain/errors';
import type { TeamStore } from '@domain/ports';
import type { Rep } from '@domain/rep';
import { RoutingSchema } from '@domain/routing';
import { applyChange, availability, parseTeamMemberChange, rosterOf, teamFromConfig, type TeamRep } from '@domain/team';
import type { TeamChange } from '@domain/team-app';
import { changeTeamMember, readTeamView } from '@domain/team-settings';
import { errorResponse } from '@commons/http';

const rep = (id: string, active = true): Rep => ({ id, name: `Name ${id}`, email: `${id}@example.com`, active });
const reps = [rep('rep-ana'), rep('rep-ben'), rep('rep-eve', false)];
const routing = RoutingSchema.parse({ pools: { default: ['rep-ana', 'rep-ben'], dach: ['rep-eve', 'rep-ana'] } });
const pools = Object.keys(routing.pools);
const NOW = new Date('2026-11-03T10:00:00Z');
const [ana, ben, eve] = teamFromConfig(reps, routing) as [TeamRep, TeamRep, TeamRep];

/** What ValidationError says for each field of a refused body. */
const issuesOf = (body: unknown) => {
  try {
    parseTeamMemberChange(body, pools);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  throw new Error('accepted');
};

describe('the team, seeded from the stage config', () => {
  it("gives each rep the pools that list them, weight 1 and no cap", () => {
    expect(ana).toEqual({ ...rep('rep-ana'), pools: ['default', 'dach'], weight: 1, version: 1 });
    expect(eve).toMatchObject({ active: false, pools: ['dach'], weight: 1 });
    expect(eve.dailyCap).toBeUndefined();
  });

  it("keeps what the table holds, but the config's name and email, and only the config's reps and pools", () => {
    const stored = [{ ...ana, name: 'Old Name', weight: 4, pools: ['default', 'emea'], version: 3 }, { ...rep('rep-gone'), pools: ['default'], weight: 1, version: 2 }];
    expect(rosterOf(stored, [ana, ben], pools)).toEqual([{ ...ana, weight: 4, pools: ['default'], version: 3 }, ben]);
  });
});

describe('a change to a rep', () => {
  it('names each wrong field and what is wrong with it', () => {
    expect(issuesOf({ pools: ['default', 'emea'] })).toEqual([{ path: 'pools.1', message: 'is not a pool: "emea" (the pools are "default", "dach")' }]);
    expect(issuesOf({ weight: 11 })).toEqual([{ path: 'weight', message: 'must be a whole number from 1 to 10' }]);
    expect(issuesOf({ weight: 2.5 })[0]).toEqual({ path: 'weight', message: 'must be a whole number from 1 to 10' });
    expect(issuesOf({ weight: '3' })[0]).toEqual({ path: 'weight', message: 'must be a whole number from 1 to 10' });
    expect(issuesOf({ awayUntil: 'next monday' })).toEqual([{ path: 'awayUntil', message: 'must be a date as YYYY-MM-DD, e.g. "2026-11-03"' }]);
    expect(issuesOf({ awayUntil: '2026-02-30' })).toEqual([{ path: 'awayUntil', message: 'is not a day of the calendar' }]);
    expect(issuesOf({ dailyCap: 0 })).toEqual([{ path: 'dailyCap', message: 'must be a whole number of leads a day, at least 1 (null: no cap)' }]);
    expect(issuesOf({ active: 'yes' })).toEqual([{ path: 'active', message: 'must be true or false' }]);
  });

  it('refuses a field it does not know, rather than ignore a typo', () => {
    expect(issuesOf({ weigth: 3, email: 'x@example.com' })).toEqual([
      { path: 'weigth', message: 'is not a field you can change (active, awayUntil, pools, weight, dailyCap)' },
      { path: 'email', message: 'is not a field you can change (active, awayUntil, pools, weight, dailyCap)' },
    ]);
    expect(issuesOf([1, 2])).toEqual([{ path: '(body)', message: 'must be a JSON object of the fields to change' }]);
  });

  it('takes pools once each, in the config order', () => {
    expect(parseTeamMemberChange({ pools: ['dach', 'default', 'dach'] }, pools)).toEqual({ pools: ['default', 'dach'] });
  });

  it('records each field that changed, from what to what, and clears with null', () => {
    const away = applyChange(ana, { awayUntil: '2026-11-10', weight: 3, dailyCap: 5 });
    expect(away.changes).toEqual({ awayUntil: { from: null, to: '2026-11-10' }, weight: { from: 1, to: 3 }, dailyCap: { from: null, to: 5 } });
    expect(away.rep).toMatchObject({ awayUntil: '2026-11-10', weight: 3, dailyCap: 5, version: 2 });
    const back = applyChange(away.rep, { awayUntil: null, dailyCap: null });
    expect(back.changes).toEqual({ awayUntil: { from: '2026-11-10', to: null }, dailyCap: { from: 5, to: null } });
    expect(back.rep).not.toHaveProperty('awayUntil');
    expect(back.rep).not.toHaveProperty('dailyCap');
    expect(back.rep.version).toBe(3);
  });

  it('records nothing for a field set to the value it had, and keeps the version of a change with no effect', () => {
    expect(applyChange(ana, { weight: 1, active: true, pools: ['dach', 'default'], dailyCap: null })).toEqual({ rep: ana, changes: {} });
    expect(applyChange(ana, { weight: 1, active: false }).changes).toEqual({ active: { from: true, to: false } });
  });
});

describe('availability', () => {
  it('is inactive, then away, then at cap, then available', () => {
    expect(availability({ ...eve, awayUntil: '2026-12-01' }, 9, NOW)).toBe('inactive');
    expect(availability({ ...ana, awayUntil: '2026-11-04', dailyCap: 1 }, 1, NOW)).toBe('away');
    expect(availability({ ...ana, awayUntil: '2026-11-03', dailyCap: 2 }, 2, NOW)).toBe('at-cap');
    expect(availability({ ...ana, dailyCap: 2 }, 1, NOW)).toBe('available');
    expect(availability(ana, 1_000, NOW)).toBe('available');
  });
});

/** The TeamStore's contract in memory: versions checked, changes newest first, counts by day. */
function memoryTeam(initial: readonly TeamRep[]): TeamStore & { changes: TeamChange[]; members: Map<string, TeamRep> } {
  const members = new Map(initial.map((member) => [member.id, member]));
  const changes: TeamChange[] = [];
  const counts = new Map<string, number>();
  return {
    members,
    changes,
    async readTeam() {
      return [...members.values()];
    },
    async saveMember(member, change) {
      if (members.get(member.id)?.version !== member.version - 1) throw new TeamChanged(member.id);
      members.set(member.id, member);
      changes.unshift(change);
    },
    async listChanges(limit) {
      return changes.slice(0, limit);
    },
    async countLeadsToday(repIds, day) {
      return Object.fromEntries(repIds.map((id) => [id, counts.get(`${day}/${id}`) ?? 0]));
    },
    async countAssignment(repId, day, cap) {
      const n = counts.get(`${day}/${repId}`) ?? 0;
      if (cap !== undefined && n >= cap) return false;
      counts.set(`${day}/${repId}`, n + 1);
      return true;
    },
  };
}

describe("the team page's API", () => {
  const MANAGER = 'tess@example.com';

  it('shows every rep with their count today and what routing does with them, the pools and the latest changes', async () => {
    const team = memoryTeam([ana, ben, eve]);
    await team.countAssignment('rep-ben', '2026-11-03', undefined);
    await changeTeamMember({ team, routing }, MANAGER, 'rep-ben', { dailyCap: 1 }, NOW);
    const view = await readTeamView({ team, routing }, NOW);
    expect(view.pools).toEqual(['default', 'dach']);
    expect(view.reps.map((member) => [member.id, member.leadsToday, member.availability])).toEqual([
      ['rep-ana', 0, 'available'],
      ['rep-ben', 1, 'at-cap'],
      ['rep-eve', 0, 'inactive'],
    ]);
    expect(view.audit).toEqual([{ at: NOW.toISOString(), actor: MANAGER, repId: 'rep-ben', changes: { dailyCap: { from: null, to: 1 } } }]);
  });

  it('saves a change with its audit entry and answers with the rep as the page shows them', async () => {
    const team = memoryTeam([ana, ben, eve]);
    expect(await changeTeamMember({ team, routing }, MANAGER, 'rep-ana', { awayUntil: '2026-11-05', weight: 2 }, NOW)).toEqual({
      id: 'rep-ana', name: 'Name rep-ana', email: 'rep-ana@example.com', active: true, awayUntil: '2026-11-05', pools: ['default', 'dach'], weight: 2, leadsToday: 0, availability: 'away', version: 2,
    });
    expect(team.members.get('rep-ana')).toMatchObject({ awayUntil: '2026-11-05', weight: 2, version: 2 });
    expect(team.changes).toHaveLength(1);
  });

  it('refuses a change sent with an older version than the stored one (the page was stale) with TeamChanged, saving nothing', async () => {
    const team = memoryTeam([ana, ben, eve]);
    await changeTeamMember({ team, routing }, MANAGER, 'rep-ana', { weight: 2, version: 1 }, NOW);
    await expect(changeTeamMember({ team, routing }, MANAGER, 'rep-ana', { weight: 3, version: 1 }, NOW)).rejects.toBeInstanceOf(TeamChanged);
    expect(team.members.get('rep-ana')).toMatchObject({ weight: 2, version: 2 });
    expect(team.changes).toHaveLength(1);
  });

  it('records nothing for a change with no effect', async () => {
    const team = memoryTeam([ana, ben, eve]);
    await changeTeamMember({ team, routing }, MANAGER, 'rep-ana', { weight: 1 }, NOW);
    await changeTeamMember({ team, routing }, MANAGER, 'rep-ana', {}, NOW);
    expect(team.changes).toEqual([]);
    expect(team.members.get('rep-ana')!.version).toBe(1);
  });

  it('refuses an unknown rep (404), a wrong body (400), and a change that leaves the default pool with nobody active', async () => {
    const team = memoryTeam([ana, ben, eve]);
    await expect(changeTeamMember({ team, routing }, MANAGER, 'rep-zed', { weight: 2 }, NOW)).rejects.toBeInstanceOf(RepNotFound);
    await expect(changeTeamMember({ team, routing }, MANAGER, 'rep-ana', { weight: 0 }, NOW)).rejects.toBeInstanceOf(ValidationError);
    await changeTeamMember({ team, routing }, MANAGER, 'rep-ana', { active: false }, NOW);
    await expect(changeTeamMember({ team, routing }, MANAGER, 'rep-ben', { active: false }, NOW)).rejects.toMatchObject({
      name: 'ValidationError',
      issues: [{ path: 'active', message: 'would leave the default pool with no active rep: every lead no territory claims needs someone' }],
    });
    await expect(changeTeamMember({ team, routing }, MANAGER, 'rep-ben', { pools: ['dach'] }, NOW)).rejects.toMatchObject({ issues: [{ path: 'pools' }] });
    expect(team.changes).toHaveLength(1);
  });

  it('maps an unknown rep to 404 and a lost race with another manager to 409, in the one place errors map', () => {
    expect(errorResponse(new RepNotFound('rep-zed'), false)).toMatchObject({ statusCode: 404 });
    expect(JSON.parse(errorResponse(new RepNotFound('rep-zed'), false).body!).error).toBe('RepNotFound');
    const conflict = errorResponse(new TeamChanged('rep-ana'), false);
    expect(conflict.statusCode).toBe(409);
    expect(JSON.parse(conflict.body!)).toEqual({ error: 'TeamChanged', message: expect.stringContaining('reload the team') });
  });
});

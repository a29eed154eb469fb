import { RepNotFound, TeamChanged, ValidationError } from '@domain/errors';
import type { TeamStore } from '@domain/ports';
import type { Routing } from '@domain/routing';
import { applyChange, parseTeamMemberChange, type TeamRep, teamMemberOf, utcDay } from '@domain/team';
import type { TeamMember, TeamView } from '@domain/team-app';

/** The team page's API: managers read the team and change a rep; routing sees the change on the next lead. */
export interface TeamSettingsDeps {
  team: TeamStore;
  /** The stage's routing: its pools are the ones a rep may be put in. */
  routing: Pick<Routing, 'pools'>;
}

/** How much of the audit trail the team page shows. */
export const AUDIT_SHOWN = 50;

const poolsOf = (deps: TeamSettingsDeps) => Object.keys(deps.routing.pools);

/** GET /app/api/team: every rep with today's count and what routing does with them, the pools, the latest changes. */
export async function readTeamView(deps: TeamSettingsDeps, now: Date): Promise<TeamView> {
  const reps = await deps.team.readTeam();
  const [counts, audit] = await Promise.all([deps.team.countLeadsToday(reps.map((rep) => rep.id), utcDay(now)), deps.team.listChanges(AUDIT_SHOWN)]);
  return { reps: reps.map((rep) => teamMemberOf(rep, counts[rep.id] ?? 0, now)), pools: poolsOf(deps), audit };
}

/**
 * The default pool takes every lead no territory or account claims: a change that would leave
 * it with no active rep is refused, rather than found out when a lead cannot be routed.
 */
function keepsDefaultPoolStaffed(team: readonly TeamRep[], changed: TeamRep): void {
  const staffed = team.some((rep) => {
    const current = rep.id === changed.id ? changed : rep;
    return current.active && current.pools.includes('default');
  });
  if (!staffed) {
    const issue = { path: changed.active ? 'pools' : 'active', message: 'would leave the default pool with no active rep: every lead no territory claims needs someone' };
    throw new ValidationError(`Invalid ${issue.path}: ${issue.path} ${issue.message}`, [issue]);
  }
}

/**
 * PUT /app/api/team/reps/{repId} by a manager (`actor`, their email): validates the body,
 * saves the rep and its audit entry, and returns the rep as the team page shows them. A change
 * with no effect saves and records nothing. Throws ValidationError (400), RepNotFound (404),
 * TeamChanged (409: another manager's change of this rep landed first).
 */
export async function changeTeamMember(deps: TeamSettingsDeps, actor: string, repId: string, body: unknown, now: Date): Promise<TeamMember> {
  const team = await deps.team.readTeam();
  const rep = team.find((member) => member.id === repId);
  if (!rep) throw new RepNotFound(repId);
  const change = parseTeamMemberChange(body, poolsOf(deps));
  // The page showed an older version: another manager's change landed since; saving this one would undo it unseen.
  if (change.version !== undefined && change.version !== rep.version) throw new TeamChanged(repId);
  const { rep: changed, changes } = applyChange(rep, change);
  if (Object.keys(changes).length > 0) {
    keepsDefaultPoolStaffed(team, changed);
    await deps.team.saveMember(changed, { at: now.toISOString(), actor, repId, changes });
  }
  const counts = await deps.team.countLeadsToday([repId], utcDay(now));
  return teamMemberOf(changed, counts[repId] ?? 0, now);
}

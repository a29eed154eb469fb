import { Forbidden } from '@domain/errors';
import type { Lead } from '@domain/lead';
import type { Me } from '@domain/team-app';

/**
 * Who is signed in to the team app, and what they may see. The JWT authorizer has checked the
 * token (issuer, audience, expiry) before any of this runs; these rules decide the rest:
 * a manager sees every lead, the dashboard and the team page; a rep sees and answers only the
 * leads they own now (an escalated lead belongs to the rep it went to).
 */

/** The Cognito groups, as named in lib/team-sign-in.ts. */
export const REPS_GROUP = 'reps';
export const MANAGERS_GROUP = 'managers';

/** A user of the team app as the ID token describes them. */
export interface TeamUser {
  email: string;
  name?: string;
  groups: string[];
}

/**
 * `cognito:groups` as it reaches the function: API Gateway's JWT authorizer passes an array
 * claim as one string, `[managers reps]`; an array or a comma list is read too.
 */
export function groupsOf(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.map(String);
  if (typeof claim !== 'string') return [];
  return claim.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean);
}

/** The user the authorizer's claims describe; a token without an email names nobody we know. */
export function teamUserOf(claims: Record<string, unknown> | undefined): TeamUser {
  const email = typeof claims?.email === 'string' ? claims.email.trim().toLowerCase() : '';
  if (!email) throw new Forbidden('Your sign-in has no email address: ask ops to set one on your user');
  const name = typeof claims?.name === 'string' && claims.name.trim() ? claims.name.trim() : undefined;
  return { email, ...(name ? { name } : {}), groups: groupsOf(claims?.['cognito:groups']) };
}

/**
 * The signed-in person's role and rep. A `reps` user must be a rep (by email) to have a queue;
 * a user in neither group has no business in the app yet.
 */
export function whoIsSignedIn(user: TeamUser, reps: ReadonlyArray<{ id: string; name: string; email: string }>, teamLead?: { name: string; email: string }): Me {
  const rep = reps.find((r) => r.email.toLowerCase() === user.email);
  const manager = user.groups.includes(MANAGERS_GROUP);
  if (!manager && !user.groups.includes(REPS_GROUP)) throw new Forbidden('Your account is in neither the reps nor the managers group: ask ops to add you to one');
  if (!manager && !rep) throw new Forbidden(`No rep has the email ${user.email}: ask ops to link your account to a rep`);
  // The token's name first (the company's directory), then the stage config's.
  const configured = rep?.name ?? (teamLead?.email.toLowerCase() === user.email ? teamLead.name : undefined);
  return { email: user.email, name: user.name ?? configured ?? user.email, role: manager ? 'manager' : 'rep', ...(rep ? { repId: rep.id } : {}) };
}

/** Managers only: the dashboard, the team page, another rep's queue. */
export function requireManager(me: Me, what: string): void {
  if (me.role !== 'manager') throw new Forbidden(`Only managers may ${what}`);
}

/** A rep sees and answers only the leads they own; a manager, any lead. */
export function requireAccessTo(me: Me, lead: Pick<Lead, 'ownerId'>): void {
  if (me.role === 'manager') return;
  if (!me.repId || lead.ownerId !== me.repId) throw new Forbidden('This lead is not yours: it belongs to another rep');
}

/** Whose queue to show: a rep's own; a manager's choice, else their own when they are a rep too. */
export function queueOwner(me: Me, asked: string | undefined, reps: ReadonlyArray<{ id: string }>): string {
  if (asked !== undefined && asked !== me.repId) {
    requireManager(me, "see another rep's queue");
    if (!reps.some((rep) => rep.id === asked)) throw new Forbidden(`No rep ${asked}`);
    return asked;
  }
  if (me.repId) return me.repId;
  const first = reps[0];
  if (!first) throw new Forbidden('The team has no reps yet');
  return first.id;
}

/** How the timeline names the person who answered in the app. */
export const actorOf = (me: Me): { repId?: string; actor: string } => (me.repId ? { repId: me.repId, actor: `rep:${me.repId}` } : { actor: `manager:${me.email}` });

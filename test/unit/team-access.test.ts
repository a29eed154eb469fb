import { describe, expect, it } from 'vitest';
import { Forbidden } from '@domain/errors';
import type { Lead } from '@domain/lead';
import { actorOf, groupsOf, queueOwner, requireAccessTo, requireManager, teamUserOf, whoIsSignedIn } from '@domain/team-access';
import { handoffOf, queueView } from '@domain/team-views';
import { defaultSla } from '@domain/sla';

const reps = [
  { id: 'rep-ana', name: 'Ana Alves', email: 'ana@example.com' },
  { id: 'rep-ben', name: 'Ben Brown', email: 'ben@example.com' },
];

describe('who is signed in', () => {
  it("reads cognito:groups as API Gateway's JWT authorizer passes it, and as an array", () => {
    expect(groupsOf('[managers reps]')).toEqual(['managers', 'reps']);
    expect(groupsOf('[reps]')).toEqual(['reps']);
    expect(groupsOf(['reps', 'managers'])).toEqual(['reps', 'managers']);
    expect(groupsOf(undefined)).toEqual([]);
    expect(groupsOf('[]')).toEqual([]);
  });

  it('links a reps user to the rep with their email, whatever its case', () => {
    expect(whoIsSignedIn(teamUserOf({ email: 'Ana@Example.com', 'cognito:groups': '[reps]' }), reps)).toEqual({ email: 'ana@example.com', name: 'Ana Alves', role: 'rep', repId: 'rep-ana' });
  });

  it('a manager may be a rep too; one who is not is named by the token, else the team lead config, else the email', () => {
    expect(whoIsSignedIn(teamUserOf({ email: 'ben@example.com', 'cognito:groups': '[managers reps]' }), reps)).toEqual({ email: 'ben@example.com', name: 'Ben Brown', role: 'manager', repId: 'rep-ben' });
    expect(whoIsSignedIn(teamUserOf({ email: 'tess@example.com', name: 'Tess T.', 'cognito:groups': '[managers]' }), reps, { name: 'Tess Lead', email: 'tess@example.com' }).name).toBe('Tess T.');
    expect(whoIsSignedIn(teamUserOf({ email: 'tess@example.com', 'cognito:groups': '[managers]' }), reps, { name: 'Tess Lead', email: 'tess@example.com' }).name).toBe('Tess Lead');
    expect(whoIsSignedIn(teamUserOf({ email: 'max@example.com', 'cognito:groups': '[managers]' }), reps).name).toBe('max@example.com');
  });

  it('refuses a user in no group, a reps user who is no rep, and a token without an email, each saying what to ask ops', () => {
    expect(() => whoIsSignedIn(teamUserOf({ email: 'ana@example.com' }), reps)).toThrow(/neither the reps nor the managers group/);
    expect(() => whoIsSignedIn(teamUserOf({ email: 'zed@example.com', 'cognito:groups': '[reps]' }), reps)).toThrow(/No rep has the email zed@example.com/);
    expect(() => teamUserOf({ 'cognito:groups': '[managers]' })).toThrow(Forbidden);
    expect(() => teamUserOf(undefined)).toThrow(Forbidden);
  });
});

describe('what each may see', () => {
  const ana = { email: 'ana@example.com', name: 'Ana Alves', role: 'rep', repId: 'rep-ana' } as const;
  const manager = { email: 'tess@example.com', name: 'Tess', role: 'manager' } as const;

  it("a rep sees only the leads they own now; a manager any", () => {
    expect(() => requireAccessTo(ana, { ownerId: 'rep-ana' })).not.toThrow();
    expect(() => requireAccessTo(ana, { ownerId: 'rep-ben' })).toThrow(/another rep/);
    expect(() => requireAccessTo(ana, {})).toThrow(Forbidden);
    expect(() => requireAccessTo(manager, { ownerId: 'rep-ben' })).not.toThrow();
    expect(() => requireManager(ana, 'open the dashboard')).toThrow('Only managers may open the dashboard');
  });

  it("whose queue: a rep's own, a manager's pick (a known rep), else the first rep", () => {
    expect(queueOwner(ana, undefined, reps)).toBe('rep-ana');
    expect(queueOwner(ana, 'rep-ana', reps)).toBe('rep-ana');
    expect(() => queueOwner(ana, 'rep-ben', reps)).toThrow(Forbidden);
    expect(queueOwner(manager, 'rep-ben', reps)).toBe('rep-ben');
    expect(() => queueOwner(manager, 'rep-zed', reps)).toThrow('No rep rep-zed');
    expect(queueOwner(manager, undefined, reps)).toBe('rep-ana');
  });

  it('names who answered for the timeline', () => {
    expect(actorOf(ana)).toEqual({ repId: 'rep-ana', actor: 'rep:rep-ana' });
    expect(actorOf(manager)).toEqual({ actor: 'manager:tess@example.com' });
  });
});

describe('the handoff and the queue', () => {
  const lead = (overrides: Partial<Lead>): Lead => ({
    leadId: 'l1', name: 'Dana', email: 'dana@acme.io', submittedAt: '2026-12-01T10:00:00.000Z', status: 'new', schedule: { followUps: {} } as Lead['schedule'], steps: {},
    grade: 'hot', score: 80, reasons: ['asked for a demo'], ownerId: 'rep-ana', ownerRule: 'round-robin', formId: 'demo-request', ...overrides,
  });

  it('says why this lead, why you and what now; an escalated lead names who did not answer', () => {
    expect(handoffOf(lead({}), reps)).toEqual({ whyThisLead: ['asked for a demo'], whyYou: 'Round-robin', whatNow: expect.stringMatching(/^Call now/) });
    expect(handoffOf(lead({ escalatedAt: '2026-12-01T10:15:00.000Z', escalatedFrom: 'rep-ben', ownerRule: 'escalated' }), reps).whyYou).toBe('Escalated to you: Ben Brown did not answer within the SLA');
  });

  it("lists what queue.ts lists, in its order, with the time left at `now`", () => {
    const now = new Date('2026-12-01T10:10:00.000Z');
    const view = queueView(reps[0]!, [lead({ leadId: 'late', submittedAt: '2026-12-01T09:00:00.000Z' }), lead({}), lead({ leadId: 'done', contactedAt: '2026-12-01T10:01:00.000Z', status: 'contacted' })], defaultSla, now, reps);
    expect(view.leads.map((item) => [item.leadId, item.secondsLeft])).toEqual([['late', -(55 * 60)], ['l1', 5 * 60]]);
    expect(view.leads[1]).toMatchObject({ dueAt: '2026-12-01T10:15:00.000Z', source: '(direct) / demo-request', escalated: false });
  });
});

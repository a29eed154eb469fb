import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { hotLead, postLead, uniqueEmail } from '../support/leads';
import { reportJson, seededPeriod, seedPastLeads } from '../support/dashboard';
import { storeOf } from '../support/store';
import { addTeamUsers, appApi, claimsOf, forgerKey, poolKey, signIn, signJwt, teamUsers, type TeamUserName } from '../support/team';

/**
 * The team app's API on the local stack: signed in through the user pool (cognito-local) as a
 * browser does, the JWT checked by the local API as API Gateway's authorizer checks it, and the
 * rules of who may see what enforced by the function.
 */
let stack: LocalStack;
let store: ReturnType<typeof storeOf>;
const tokens = {} as Record<TeamUserName, string>;

beforeAll(async () => {
  // Real time: a lead stays in its rep's queue, unescalated, for the whole file.
  stack = await startLocalStack({ timeScale: 1 });
  store = storeOf(stack);
  await addTeamUsers(stack);
  for (const name of Object.keys(teamUsers) as TeamUserName[]) tokens[name] = await signIn(stack, teamUsers[name].email);
});

afterAll(async () => {
  await stack?.close();
});

/** A hot lead from Germany: the dach territory's only rep, Eve, owns it. */
async function eveLead(name = 'Dana Director') {
  const { status, body } = await postLead(stack, { ...hotLead(uniqueEmail('dana')), name, country: 'DE' });
  expect(status).toBe(202);
  const leadId = body.leadId as string;
  await vi.waitFor(async () => expect((await store.leads.getLead(leadId))?.ownerId).toBe('rep-eve'), { timeout: 10_000, interval: 50 });
  return leadId;
}

/** What an answer changes on a lead, and the answers on its timeline (its sequence goes on meanwhile). */
async function answersOn(leadId: string) {
  const lead = await store.leads.getLead(leadId);
  const { status, contactedAt, contactedBy, outcome, rejectReason, repNote, firstResponse } = lead ?? {};
  const answers = (await store.leads.listEvents(leadId)).filter((event) => ['contacted', 'accepted', 'rejected'].includes(event.type));
  return { status, contactedAt, contactedBy, outcome, rejectReason, repNote, firstResponse, answers };
}

/** Every team route with a harmless request each, for the 401 and 403 checks. */
const everyRoute = (leadId: string) => [
  { method: 'GET', path: '/app/api/me' },
  { method: 'GET', path: '/app/api/queue' },
  { method: 'GET', path: `/app/api/leads/${leadId}` },
  { method: 'POST', path: `/app/api/leads/${leadId}/response`, body: { outcome: 'contacted' } },
  { method: 'GET', path: '/app/api/team' },
  { method: 'PUT', path: '/app/api/team/reps/rep-ana', body: { weight: 2 } },
  { method: 'GET', path: '/app/api/dashboard' },
  { method: 'GET', path: '/app/api/dashboard.csv' },
];

describe('every app route refuses a caller without a valid token (401), before the function runs', () => {
  let leadId: string;
  let valid: string;
  beforeAll(async () => {
    leadId = await eveLead();
    valid = tokens.eve;
  });

  const cases: Array<[string, () => string | undefined]> = [
    ['no Authorization header', () => undefined],
    ['an empty bearer', () => 'Bearer '],
    ['not a JWT', () => 'Bearer not-a-token'],
    ['a token signed with another key (forged)', () => `Bearer ${signJwt(claimsOf(valid), forgerKey())}`],
    ['a valid token with one claim changed (tampered)', () => {
      const [header, , signature] = valid.split('.');
      return `Bearer ${header}.${Buffer.from(JSON.stringify({ ...claimsOf(valid), 'cognito:groups': ['managers'] })).toString('base64url')}.${signature}`;
    }],
    ['a token the pool signed that expired (stale)', () => {
      const past = Math.floor(Date.now() / 1000) - 3600;
      return `Bearer ${signJwt({ ...claimsOf(valid), iat: past - 1800, exp: past }, poolKey())}`;
    }],
    ['a token the pool signed for another app (wrong audience)', () => `Bearer ${signJwt({ ...claimsOf(valid), aud: 'some-other-client' }, poolKey())}`],
    ['a token from another issuer', () => `Bearer ${signJwt({ ...claimsOf(valid), iss: 'http://127.0.0.1:1/us-east-1_other' }, poolKey())}`],
  ];

  it.each(cases)('%s', async (_, authorizationOf) => {
    const before = await answersOn(leadId);
    const authorization = authorizationOf();
    for (const route of everyRoute(leadId)) {
      const { status, body } = await appApi(stack, route.path, undefined, { method: route.method, ...(route.body ? { body: route.body } : {}), headers: authorization === undefined ? {} : { authorization } });
      expect({ route: `${route.method} ${route.path}`, status, body }).toEqual({ route: `${route.method} ${route.path}`, status: 401, body: { message: 'Unauthorized' } });
    }
    expect(await answersOn(leadId)).toEqual(before);
  });

  it('the valid token itself is accepted, after "Bearer " or alone as API Gateway takes it, so the refusals above are about the token', async () => {
    expect((await appApi(stack, '/app/api/me', valid)).status).toBe(200);
    expect((await appApi(stack, '/app/api/me', undefined, { headers: { authorization: valid } })).status).toBe(200);
  });
});

describe('who may see and change what (403)', () => {
  let leadId: string;
  beforeAll(async () => {
    leadId = await eveLead();
  });

  it('a user in neither group gets 403 everywhere, with what to ask ops', async () => {
    for (const route of everyRoute(leadId)) {
      const { status, body } = await appApi(stack, route.path, tokens.nobody, { method: route.method, ...(route.body ? { body: route.body } : {}) });
      expect(status).toBe(403);
      expect(body.message).toMatch(/neither the reps nor the managers group/);
    }
  });

  it("a rep cannot read or answer another rep's lead, and nothing is recorded", async () => {
    const before = await answersOn(leadId);
    const read = await appApi(stack, `/app/api/leads/${leadId}`, tokens.ana);
    expect(read.status).toBe(403);
    expect(read.body.message).toMatch(/another rep/);
    const answer = await appApi(stack, `/app/api/leads/${leadId}/response`, tokens.ana, { method: 'POST', body: { outcome: 'contacted' } });
    expect(answer.status).toBe(403);
    expect(await answersOn(leadId)).toEqual(before);
  });

  it("a rep cannot open another rep's queue, the team page or the dashboard", async () => {
    expect((await appApi(stack, '/app/api/queue?rep=rep-eve', tokens.ana)).status).toBe(403);
    expect((await appApi(stack, '/app/api/team', tokens.ana)).status).toBe(403);
    expect((await appApi(stack, '/app/api/team/reps/rep-ana', tokens.ana, { method: 'PUT', body: { weight: 5 } })).status).toBe(403);
    expect((await appApi(stack, '/app/api/dashboard', tokens.ana)).status).toBe(403);
    expect((await appApi(stack, '/app/api/dashboard.csv', tokens.ana)).status).toBe(403);
  });

  it("a manager sees any rep's queue and any lead", async () => {
    const queue = await appApi(stack, '/app/api/queue?rep=rep-eve', tokens.manager);
    expect(queue.status).toBe(200);
    expect(queue.body.leads.map((lead: { leadId: string }) => lead.leadId)).toContain(leadId);
    expect((await appApi(stack, `/app/api/leads/${leadId}`, tokens.manager)).status).toBe(200);
  });

  it('an unknown lead is 404 for anyone signed in, a rep of none is told so', async () => {
    expect((await appApi(stack, '/app/api/leads/00000000-0000-4000-8000-000000000000', tokens.eve)).status).toBe(404);
    const unknownRep = await appApi(stack, '/app/api/queue?rep=rep-nobody', tokens.manager);
    expect(unknownRep.status).toBe(403);
  });
});

describe("the rep's queue and answers", () => {
  it('shows who is signed in', async () => {
    expect((await appApi(stack, '/app/api/me', tokens.eve)).body).toEqual({ email: 'eve@example.com', name: 'Eve Engel', role: 'rep', repId: 'rep-eve' });
    // A manager who is no rep is named by the token's `name` (cognito-local leaves it out: then the email).
    const managerName = (claimsOf(tokens.manager).name as string | undefined) ?? 'mia.manager@example.com';
    expect((await appApi(stack, '/app/api/me', tokens.manager)).body).toEqual({ email: 'mia.manager@example.com', name: managerName, role: 'manager' });
  });

  it("lists the rep's open leads soonest due first, with the handoff and the contact details", async () => {
    const first = await eveLead('First Lead');
    const second = await eveLead('Second Lead');
    const { status, body } = await appApi(stack, '/app/api/queue', tokens.eve);
    expect(status).toBe(200);
    expect(body.rep).toEqual({ id: 'rep-eve', name: 'Eve Engel' });
    const ids = body.leads.map((lead: { leadId: string }) => lead.leadId);
    expect(ids.indexOf(first)).toBeLessThan(ids.indexOf(second));
    const dueTimes = body.leads.map((lead: { dueAt: string }) => lead.dueAt);
    expect([...dueTimes].sort()).toEqual(dueTimes);
    const card = body.leads.find((lead: { leadId: string }) => lead.leadId === first);
    const stored = (await store.leads.getLead(first))!;
    expect(card).toMatchObject({ name: 'First Lead', grade: 'hot', email: stored.email, escalated: false, handoff: { whyThisLead: stored.reasons, whyYou: expect.stringMatching(/^Territory dach/) } });
    // The hot SLA (15 min) from submission.
    expect(Date.parse(card.dueAt) - Date.parse(stored.submittedAt)).toBe(stack.config.slaMinutes.hot * 60_000);
    expect(card.secondsLeft).toBeGreaterThan(0);
  });

  it('an answer in the app is recorded as the email link records it, and the lead leaves the queue', async () => {
    const leadId = await eveLead('Answered Lead');
    const answered = await appApi(stack, `/app/api/leads/${leadId}/response`, tokens.eve, { method: 'POST', body: { outcome: 'contacted', note: 'Called, demo on Tuesday' } });
    expect(answered.status).toBe(200);
    const lead = (await store.leads.getLead(leadId))!;
    expect(answered.body).toEqual({ leadId, contactedAt: lead.contactedAt, outcome: 'contacted' });
    expect(lead).toMatchObject({ status: 'contacted', contactedBy: 'rep-eve', outcome: 'contacted', repNote: 'Called, demo on Tuesday' });
    const timeline = await store.leads.listEvents(leadId);
    expect(timeline.filter((event) => event.type === 'contacted')).toEqual([expect.objectContaining({ actor: 'rep:rep-eve', detail: expect.objectContaining({ via: 'app' }) })]);
    const queue = await appApi(stack, '/app/api/queue', tokens.eve);
    expect(queue.body.leads.map((l: { leadId: string }) => l.leadId)).not.toContain(leadId);

    // A later answer keeps the first contact's time, as the email link's does.
    const accepted = await appApi(stack, `/app/api/leads/${leadId}/response`, tokens.eve, { method: 'POST', body: { outcome: 'accepted' } });
    expect(accepted.body).toEqual({ leadId, contactedAt: lead.contactedAt, outcome: 'accepted' });
    const page = await appApi(stack, `/app/api/leads/${leadId}`, tokens.eve);
    expect(page.body.lead).toMatchObject({ status: 'contacted', outcome: 'accepted', contactedAt: lead.contactedAt });
    expect(page.body.timeline.map((event: { type: string }) => event.type)).toEqual(expect.arrayContaining(['submitted', 'contacted', 'accepted']));
  });

  it('a bad answer is a 400 naming the field, and records nothing', async () => {
    const leadId = await eveLead();
    const before = await answersOn(leadId);
    const cases: Array<[unknown, string]> = [
      [{ outcome: 'rejected' }, 'reason'],
      [{ outcome: 'contacted', reason: 'spam' }, 'reason'],
      [{ outcome: 'called' }, 'outcome'],
      [{ outcome: 'contacted', note: 'x'.repeat(2001) }, 'note'],
    ];
    for (const [body, field] of cases) {
      const { status, body: answer } = await appApi(stack, `/app/api/leads/${leadId}/response`, tokens.eve, { method: 'POST', body });
      expect(status).toBe(400);
      expect(answer.issues.map((issue: { path: string }) => issue.path)).toContain(field);
    }
    const notJson = await appApi(stack, `/app/api/leads/${leadId}/response`, tokens.eve, { method: 'POST', body: '{"outcome":', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
    expect(await answersOn(leadId)).toEqual(before);
  });
});

describe('the team page (managers)', () => {
  it('lists every rep with pools, weight, cap and today\'s count; a change is on the audit trail with who, what and when', async () => {
    const { status, body } = await appApi(stack, '/app/api/team', tokens.manager);
    expect(status).toBe(200);
    expect(body.reps.map((rep: { id: string }) => rep.id).sort()).toEqual(stack.config.reps.map((rep) => rep.id).sort());
    expect(body.pools.sort()).toEqual(Object.keys(stack.config.routing!.pools).sort());
    const ana = body.reps.find((rep: { id: string }) => rep.id === 'rep-ana');
    expect(ana).toMatchObject({ name: 'Ana Alves', active: true, weight: 1, pools: ['default'], availability: 'available' });

    const changed = await appApi(stack, '/app/api/team/reps/rep-ana', tokens.manager, { method: 'PUT', body: { weight: 3, dailyCap: 40 } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id: 'rep-ana', weight: 3, dailyCap: 40 });
    const after = await appApi(stack, '/app/api/team', tokens.manager);
    expect(after.body.audit[0]).toMatchObject({ actor: 'mia.manager@example.com', repId: 'rep-ana', changes: { weight: { from: 1, to: 3 }, dailyCap: { to: 40 } } });
    expect(Date.now() - Date.parse(after.body.audit[0].at)).toBeLessThan(60_000);
  });

  it("a change made from a stale page (another manager's change landed since) is a 409 and saves nothing", async () => {
    const shown = (await appApi(stack, '/app/api/team', tokens.manager)).body.reps.find((rep: { id: string }) => rep.id === 'rep-dee');
    const first = await appApi(stack, '/app/api/team/reps/rep-dee', tokens.manager, { method: 'PUT', body: { weight: 2, version: shown.version } });
    expect(first.body).toMatchObject({ weight: 2, version: shown.version + 1 });
    const stale = await appApi(stack, '/app/api/team/reps/rep-dee', tokens.manager, { method: 'PUT', body: { weight: 5, version: shown.version } });
    expect(stale.status).toBe(409);
    expect((await appApi(stack, '/app/api/team', tokens.manager)).body.reps.find((rep: { id: string }) => rep.id === 'rep-dee')).toMatchObject({ weight: 2, version: shown.version + 1 });
  });

  it('a bad change is a 400 naming the field and changes nothing; an unknown rep is a 404', async () => {
    const before = (await appApi(stack, '/app/api/team', tokens.manager)).body;
    for (const [body, field] of [[{ weight: 11 }, 'weight'], [{ pools: ['nowhere'] }, 'pools'], [{ awayUntil: '2026-13-01' }, 'awayUntil'], [{ boss: true }, 'boss']] as const) {
      const { status, body: answer } = await appApi(stack, '/app/api/team/reps/rep-ben', tokens.manager, { method: 'PUT', body });
      expect({ field, status }).toEqual({ field, status: 400 });
      expect(answer.issues.map((issue: { path: string }) => issue.path).join(' ')).toContain(field);
    }
    expect((await appApi(stack, '/app/api/team', tokens.manager)).body).toEqual(before);
    expect((await appApi(stack, '/app/api/team/reps/rep-nobody', tokens.manager, { method: 'PUT', body: { weight: 2 } })).status).toBe(404);
  });

  it('a rep set away gets no new lead, with no deploy: the next lead goes to someone else', async () => {
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect((await appApi(stack, '/app/api/team/reps/rep-eve', tokens.manager, { method: 'PUT', body: { awayUntil: tomorrow } })).status).toBe(200);
    try {
      const { body } = await postLead(stack, { ...hotLead(uniqueEmail('away')), country: 'DE' });
      await vi.waitFor(async () => expect((await store.leads.getLead(body.leadId))?.ownerId).toBeDefined(), { timeout: 10_000, interval: 50 });
      const owner = (await store.leads.getLead(body.leadId))!.ownerId;
      expect(owner).not.toBe('rep-eve');
      expect(stack.config.routing!.pools.default).toContain(owner);
    } finally {
      await appApi(stack, '/app/api/team/reps/rep-eve', tokens.manager, { method: 'PUT', body: { awayUntil: null } });
    }
  });
});

describe('the dashboard (managers)', () => {
  const period = seededPeriod;
  beforeAll(() => seedPastLeads(stack, 400, 14));
  const report = (args: string[] = []) => reportJson(stack, args);
  /**
   * The view without what depends on the instant it was computed at: `asOf`, and how long the
   * ignored leads have waited, which is checked to differ by exactly the time between the two.
   */
  const withoutAsOf = ({ asOf: _, ignoredNow, ...view }: Record<string, any>) => ({ ...view, ignoredNow: ignoredNow.map(({ longestOverdueSeconds: __, ...rest }: Record<string, unknown>) => rest) });
  function expectSameWaits(api: Record<string, any>, cli: Record<string, any>) {
    const between = (Date.parse(api.asOf) - Date.parse(cli.asOf)) / 1000;
    api.ignoredNow.forEach((row: { longestOverdueSeconds: number }, i: number) => expect(Math.abs(row.longestOverdueSeconds - cli.ignoredNow[i].longestOverdueSeconds - between)).toBeLessThanOrEqual(1));
  }

  it('gives the same figures as npm run report for the same period and filters', async () => {
    const query = `from=${period.from}&to=${period.to}`;
    const [api, cli] = await Promise.all([appApi(stack, `/app/api/dashboard?${query}`, tokens.manager), report()]);
    expect(api.status).toBe(200);
    expect(api.body.total.leads).toBe(400);
    expect(withoutAsOf(api.body)).toEqual(withoutAsOf(cli));
    expectSameWaits(api.body, cli);
    const [filtered, filteredCli] = await Promise.all([appApi(stack, `/app/api/dashboard?${query}&grade=hot&rep=rep-ana`, tokens.manager), report(['--grade', 'hot', '--rep', 'rep-ana'])]);
    expect(filtered.body.total.leads).toBeLessThan(400);
    expect(withoutAsOf(filtered.body)).toEqual(withoutAsOf(filteredCli));
    expectSameWaits(filtered.body, filteredCli);
  });

  it('exports the same view as CSV, as a download', async () => {
    const csv = await appApi(stack, `/app/api/dashboard.csv?from=${period.from}&to=${period.to}`, tokens.manager);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="speed-to-lead-${period.from}-${period.to}.csv"`);
    expect(String(csv.body).split(/\r?\n/)[0]).toMatch(/^group,/);
  });

  it('a bad period is a 400 naming the field', async () => {
    for (const [query, field] of [['from=2026-10-31&to=2026-09-01', 'from'], ['from=2026-02-30', 'from'], ['grade=lukewarm', 'grade'], ['from=2024-01-01&to=2026-01-01', 'to']] as const) {
      const { status, body } = await appApi(stack, `/app/api/dashboard?${query}`, tokens.manager);
      expect({ query, status }).toEqual({ query, status: 400 });
      expect(body.issues.map((issue: { path: string }) => issue.path)).toContain(field);
    }
  });
});

describe("the app's page", () => {
  it('is served at /app and /app/ with a strict CSP, and config.json names the pool and its hosted sign-in', async () => {
    for (const path of ['/app', '/app/']) {
      const response = await fetch(`${stack.apiUrl}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
      expect(await response.text()).toMatch(/\/app\/app\.js/);
    }
    const config = (await (await fetch(`${stack.apiUrl}/app/config.json`)).json()) as Record<string, unknown>;
    expect(config).toEqual({
      region: 'us-east-1',
      userPoolId: stack.teamPool.userPoolId,
      clientId: stack.teamPool.clientId,
      cognitoEndpoint: stack.teamPool.url,
      // The emulator's login form stands in for the company's identity provider (dev's config connects none).
      hostedSignIn: { domain: stack.teamPool.url, redirectUri: `${stack.apiUrl}/app/`, providers: [{ id: 'COGNITO', label: 'the company login (local)' }] },
    });
    expect((await fetch(`${stack.apiUrl}/app/app.js`)).status).toBe(200);
    expect((await fetch(`${stack.apiUrl}/app/nothing-here.js`)).status).toBe(404);
  });
});

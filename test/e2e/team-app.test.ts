import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { formatDuration } from '@domain/sla';
import { DeployConfigSchema, loadConfig } from '../../lib/config';
import { addDemoTeam, DEMO_PASSWORD } from '../../local/demo-team';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { moneyText, percentText } from '../../web/format';
import { launchChromium } from '../support/browser';
import { reportJson, seededPeriod, seedPastLeads } from '../support/dashboard';
import { waitForEmails } from '../support/inbox';
import { executionArnOf, markContacted, postLead, uniqueEmail, warmLead } from '../support/leads';
import { storeOf } from '../support/store';

/**
 * The team app in Chromium, as its people use it: the demo rep signs in on a phone, sees a new
 * lead arrive in the queue without a reload, marks it contacted (it leaves the queue and its
 * follow-ups stop); the demo manager signs in on a laptop, reads the dashboard (the same
 * figures as `npm run report`), sets a rep away on the team page (the next lead goes to someone
 * else). axe finds no serious or critical problem on any page. E2E_SCREENSHOTS=<dir> keeps a
 * screenshot of each page at phone and desktop width.
 */
let stack: LocalStack;
let browser: Browser;
let team: Awaited<ReturnType<typeof addDemoTeam>>;

// A simulated day in 20 real seconds, follow-ups on days 1 and 3 with no business hours:
// the day-1 follow-up is due 20 s after submission, long after the rep's click.
const config = DeployConfigSchema.parse({ ...loadConfig('dev'), sequence: { hotAlertAfterMinutes: 5, followUpDays: [1, 3] } });

beforeAll(async () => {
  [stack, browser] = await Promise.all([startLocalStack({ config, timeScale: 4_320 }), launchChromium()]);
  team = await addDemoTeam(stack);
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

const viewports = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } } as const;

async function look(page: Page, name: string) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${name}: ${v.id} ${v.help}`)).toEqual([]);
  const dir = process.env.E2E_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `team-app-${name}.png`), fullPage: true });
}

async function signIn(viewport: keyof typeof viewports, email: string) {
  const context = await browser.newContext({ viewport: viewports[viewport] });
  const page = await context.newPage();
  await page.goto(`${stack.apiUrl}/app/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  return { context, page };
}

/** A warm lead for the demo rep: the default pool takes turns, so one of the next few is hers. */
async function leadForDemoRep(name: string): Promise<string> {
  const store = storeOf(stack);
  for (let attempt = 0; attempt < 12; attempt += 1) {
    const { body } = await postLead(stack, { ...warmLead(uniqueEmail('wes')), name });
    const owner = await vi.waitFor(async () => (await store.leads.getLead(body.leadId))?.ownerId ?? Promise.reject(new Error('not routed yet')), { timeout: 10_000, interval: 50 });
    if (owner === team.rep.id) return body.leadId as string;
  }
  throw new Error(`No lead went to ${team.rep.id} in 12 tries`);
}

describe('the rep, on a phone', () => {
  it('signs in, sees a new lead arrive without a reload, marks it contacted: it leaves the queue and its follow-ups stop', async () => {
    const { context, page } = await signIn('phone', team.rep.email);
    await look(page, 'sign-in-phone');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Your queue' }).waitFor()).resolves.toBeUndefined();

    const name = `Wes <i>Warm</i> ${Date.now()}`;
    const leadId = await leadForDemoRep(name);
    const card = page.getByTestId('queue-card').filter({ has: page.getByRole('link', { name, exact: true }) });
    // The queue polls: the lead shows up on its own, its name as text, never as markup.
    await card.waitFor({ timeout: 15_000 });
    expect(await page.locator('i').count()).toBe(0);
    await look(page, 'queue-phone');

    await card.getByRole('button', { name: 'Contacted' }).click();
    await page.getByTestId('response-done').first().waitFor();
    await card.waitFor({ state: 'detached', timeout: 10_000 });
    const lead = (await storeOf(stack).leads.getLead(leadId))!;
    expect(lead).toMatchObject({ status: 'contacted', contactedBy: team.rep.id, outcome: 'contacted' });

    // Its sequence reaches day 1 and ends there: no follow-up email goes out.
    const arn = executionArnOf(stack, leadId);
    await vi.waitFor(() => expect(stack.runner.describe(arn).status).toBe('SUCCEEDED'), { timeout: 60_000, interval: 250 });
    const states = stack.runner.history(arn).filter((event) => event.type === 'StateEntered').map((event) => (event as { state: { name: string } }).state.name);
    expect(states).not.toContain('Send day-3 follow-up');
    const emails = await waitForEmails(stack.sesUrl, lead.email, (found) => found.length > 0);
    expect(emails.map((email) => email.subject).filter((subject) => /follow|checking in/i.test(subject))).toEqual([]);
    expect(emails).toHaveLength(1);

    // The lead page shows the answer and the timeline.
    await page.goto(`${stack.apiUrl}/app/#/leads/${leadId}`);
    await page.getByText('Contacted', { exact: false }).first().waitFor();
    await look(page, 'lead-phone');
    await context.close();
  });

  it("keeps a lead's page current: an answer given elsewhere (the link in the rep's email) shows without a reload", async () => {
    const leadId = await leadForDemoRep(`Lena Later ${Date.now()}`);
    const { context, page } = await signIn('phone', team.rep.email);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Your queue' }).waitFor();
    await page.goto(`${stack.apiUrl}/app/#/leads/${leadId}`);
    await expect(page.getByTestId('lead-status').textContent()).resolves.toBe('Open');

    expect((await markContacted(stack, leadId)).status).toBe(200);
    await expect.poll(() => page.getByTestId('lead-status').textContent(), { timeout: 15_000 }).toBe('Contacted');
    await page.getByTestId('lead-outcome').waitFor();
    await expect(page.getByRole('button', { name: 'Contacted' }).count()).resolves.toBe(0);
    await context.close();
  });
});

describe('the manager, on a laptop', () => {
  const period = seededPeriod;
  beforeAll(() => seedPastLeads(stack, 300, 7));

  it("reads the dashboard's headline figures, the same as npm run report's for the period", async () => {
    const { total } = (await reportJson(stack)) as { total: Record<string, number | undefined> };
    const { context, page } = await signIn('desktop', team.manager.email);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.goto(`${stack.apiUrl}/app/#/dashboard?from=${period.from}&to=${period.to}`);
    await page.getByTestId('kpi-leads-value').filter({ hasText: String(total.leads) }).waitFor();
    const figure = (id: string) => page.getByTestId(`kpi-${id}-value`).innerText();
    expect({
      leads: await figure('leads'),
      withinSla: await figure('within-sla'),
      median: await figure('median'),
      p90: await figure('p90'),
      acceptance: await figure('acceptance'),
      unsubscribes: await figure('unsubscribes'),
      bounces: await figure('bounces'),
    }).toEqual({
      leads: String(total.leads),
      withinSla: percentText(total.withinSlaPercent),
      median: formatDuration(total.medianSeconds),
      p90: formatDuration(total.p90Seconds),
      acceptance: percentText(total.acceptancePercent),
      unsubscribes: String(total.unsubscribed),
      bounces: String(total.bounced),
    });

    // The funnel, the pipeline per currency and the conversion tables: the report's figures too.
    const { funnel, pipeline, byScoreBand } = (await reportJson(stack)) as { funnel: { total: Record<string, number>; byCampaign: Array<Record<string, string | number>> }; pipeline: { bySource: Array<Record<string, string | number>> }; byScoreBand: Array<Record<string, string | number>> };
    expect(await page.getByTestId('funnel-won').innerText()).toBe(`${funnel.total.won} · ${percentText(funnel.total.wonPercent)}`);
    expect(await page.getByTestId('funnel-opportunity').innerText()).toBe(`${funnel.total.opportunities} · ${percentText(funnel.total.opportunityPercent)}`);
    const firstRow = (testid: string) => page.getByTestId(testid).locator('tbody tr').first().locator('th, td').allInnerTexts();
    const deal = pipeline.bySource[0]!;
    expect(deal.opportunities).toBeGreaterThan(0);
    expect(await firstRow('pipeline-by-source')).toEqual([deal.key, deal.currency, String(deal.opportunities), moneyText(deal.pipelineAmount as number, deal.currency as string), String(deal.won), moneyText(deal.wonAmount as number, deal.currency as string)]);
    expect((await firstRow('by-score-band'))[0]).toBe(byScoreBand[0]!.key);
    await page.getByLabel('Funnel by', { exact: true }).selectOption('campaign');
    expect((await firstRow('funnel-table')).slice(0, 2)).toEqual([funnel.byCampaign[0]!.key, String(funnel.byCampaign[0]!.leads)]);
    await look(page, 'dashboard-desktop');
    await page.setViewportSize(viewports.phone);
    await look(page, 'dashboard-phone');
    await context.close();
  });

  it('sets a rep away on the team page: the next lead of her territory goes to someone else', async () => {
    const { context, page } = await signIn('desktop', team.manager.email);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByRole('link', { name: 'Team' }).click();
    const eve = page.getByTestId('team-row').filter({ hasText: 'Eve Engel' });
    await eve.waitFor();
    await look(page, 'team-desktop');
    const back = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    await eve.getByLabel('Away until for Eve Engel').fill(back);
    await eve.getByRole('button', { name: 'Save Eve Engel' }).click();
    await eve.getByTestId('rep-save-status').filter({ hasText: 'Saved' }).waitFor();
    await expect(eve.getByTestId('rep-availability').innerText()).resolves.toMatch(/^\s*Away until/);
    await page.getByTestId('team-audit').filter({ hasText: team.manager.email }).waitFor();

    // A lead from Germany, the dach territory only Eve serves, now goes to the default pool.
    const { body } = await postLead(stack, { ...warmLead(uniqueEmail('klaus')), country: 'DE' });
    const owner = await vi.waitFor(async () => (await storeOf(stack).leads.getLead(body.leadId))?.ownerId ?? Promise.reject(new Error('not routed yet')), { timeout: 10_000, interval: 50 });
    expect(owner).not.toBe('rep-eve');
    expect(stack.config.routing!.pools.default).toContain(owner);
    await page.setViewportSize(viewports.phone);
    await look(page, 'team-phone');
    await context.close();
  });
});

describe('the company login (the hosted sign-in: authorization code with PKCE)', () => {
  const companyLogin = 'Sign in with the company login (local)';
  const SESSION_KEY = 'speed-to-lead:session';
  const PENDING_KEY = 'speed-to-lead:hosted-sign-in';

  /** The tab's sessionStorage, inside page.evaluate (this file is type-checked without the DOM's types). */
  type Tab = { sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void } };

  /** What the app keeps in the tab: a session, and a hosted sign-in under way. */
  const kept = (page: Page) => page.evaluate(([session, pending]) => {
    const { sessionStorage } = globalThis as unknown as Tab;
    return { session: sessionStorage.getItem(session!), pending: sessionStorage.getItem(pending!) };
  }, [SESSION_KEY, PENDING_KEY]);

  /** The browser back at the app with this query, as the hosted domain would send it, a sign-in with this state under way in the tab. */
  async function wayBack(page: Page, query: Record<string, string>, pending: { state: string; verifier: string }) {
    await page.goto(`${stack.apiUrl}/app/`);
    await page.evaluate(([key, value]) => (globalThis as unknown as Tab).sessionStorage.setItem(key!, value!), [PENDING_KEY, JSON.stringify({ ...pending, provider: 'COGNITO', startedAt: Date.now() })]);
    await page.goto(`${stack.apiUrl}/app/?${new URLSearchParams(query)}`);
  }

  it('signs the rep in through the login page and back to her queue, with nothing in the address bar; sign-out ends both sessions', async () => {
    const context = await browser.newContext({ viewport: viewports.desktop });
    const page = await context.newPage();
    await page.goto(`${stack.apiUrl}/app/`);
    await page.getByRole('button', { name: companyLogin }).waitFor();
    await look(page, 'sign-in-desktop');
    const tokenRequest = page.waitForRequest((request) => request.url() === `${stack.teamPool.url}/oauth2/token`);
    await page.getByRole('button', { name: companyLogin }).click();

    // The emulator's hosted login page, asked for the code grant with an S256 challenge.
    await page.waitForURL((url) => url.origin === stack.teamPool.url && url.pathname === '/oauth2/authorize');
    const authorize = new URL(page.url()).searchParams;
    expect(Object.fromEntries(authorize)).toMatchObject({ response_type: 'code', client_id: stack.teamPool.clientId, redirect_uri: `${stack.apiUrl}/app/`, code_challenge_method: 'S256', identity_provider: 'COGNITO' });
    await page.getByLabel('Username').fill(team.rep.email);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('heading', { name: 'Your queue' }).waitFor();
    await expect(page.getByTestId('signed-in-as').innerText()).resolves.toContain(team.rep.name);
    // The code went to the token endpoint with the verifier whose S256 the login page was given.
    const exchange = new URLSearchParams((await tokenRequest).postData() ?? '');
    expect(exchange.get('grant_type')).toBe('authorization_code');
    expect(createHash('sha256').update(exchange.get('code_verifier')!).digest('base64url')).toBe(authorize.get('code_challenge'));
    expect(new URL(page.url()).search).toBe('');
    const { session, pending } = await kept(page);
    expect(pending).toBeNull();
    expect(JSON.parse(session!)).toMatchObject({ email: team.rep.email, refreshToken: expect.any(String) });

    // The app's refresh is the password sign-in's (REFRESH_TOKEN_AUTH): the hosted session's refresh token works with it.
    const refreshed = await fetch(stack.teamPool.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
      body: JSON.stringify({ AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: stack.teamPool.clientId, AuthParameters: { REFRESH_TOKEN: JSON.parse(session!).refreshToken } }),
    });
    expect(((await refreshed.json()) as { AuthenticationResult?: { IdToken?: string } }).AuthenticationResult?.IdToken).toEqual(expect.any(String));

    // Signing out goes through the hosted domain's /logout and back to the sign-in page.
    const logout = page.waitForRequest((request) => request.url().startsWith(`${stack.teamPool.url}/logout?`));
    await page.getByTestId('sign-out').click();
    expect(new URL((await logout).url()).searchParams.get('logout_uri')).toBe(`${stack.apiUrl}/app/`);
    await page.getByRole('button', { name: companyLogin }).waitFor();
    expect((await kept(page)).session).toBeNull();
    await context.close();
  });

  it('refuses a way back whose state this tab did not send, a replayed code and a refusal, says so and stores nothing', async () => {
    const context = await browser.newContext({ viewport: viewports.phone });
    const page = await context.newPage();
    const error = page.getByTestId('sign-in-error');

    // A real code for the rep, taken on its way to the token endpoint, with its verifier.
    await page.goto(`${stack.apiUrl}/app/`);
    const tokenRequest = page.waitForRequest((request) => request.url() === `${stack.teamPool.url}/oauth2/token`);
    await page.getByRole('button', { name: companyLogin }).click();
    await page.getByLabel('Username').fill(team.rep.email);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Your queue' }).waitFor();
    const used = new URLSearchParams((await tokenRequest).postData() ?? '');
    await page.getByTestId('sign-out').click();
    await page.getByRole('button', { name: companyLogin }).waitFor();

    // A forged state (a login someone else started, sent to the rep as a link): refused before any exchange.
    const exchanges: string[] = [];
    page.on('request', (request) => {
      if (request.url() === `${stack.teamPool.url}/oauth2/token`) exchanges.push(request.url());
    });
    await wayBack(page, { code: used.get('code')!, state: 'forged-state' }, { state: 'the-state-this-tab-sent', verifier: used.get('code_verifier')! });
    await error.filter({ hasText: 'was not started from this page' }).waitFor();
    expect(exchanges).toEqual([]);
    expect(await kept(page)).toEqual({ session: null, pending: null });
    expect(new URL(page.url()).search).toBe('');
    await look(page, 'sign-in-refused-phone');

    // The same code again, with its own verifier and a matching state: the hosted domain refuses it.
    await wayBack(page, { code: used.get('code')!, state: 'state-1' }, { state: 'state-1', verifier: used.get('code_verifier')! });
    await error.filter({ hasText: 'had expired or was already used' }).waitFor();
    expect(exchanges).toHaveLength(1);
    expect(await kept(page)).toEqual({ session: null, pending: null });

    // The user cancelled at the company login.
    await wayBack(page, { error: 'access_denied', state: 'state-2' }, { state: 'state-2', verifier: 'v'.repeat(43) });
    await error.filter({ hasText: 'the sign-in was cancelled or refused' }).waitFor();
    expect(await kept(page)).toEqual({ session: null, pending: null });

    // Password sign-in is still there for invited users.
    await page.getByLabel('Email').fill(team.rep.email);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Your queue' }).waitFor();
    await context.close();
  });

  it('brings the manager back to the page the sign-in started on', async () => {
    const context = await browser.newContext({ viewport: viewports.desktop });
    const page = await context.newPage();
    await page.goto(`${stack.apiUrl}/app/#/team`);
    await page.getByRole('button', { name: companyLogin }).click();
    await page.getByLabel('Username').fill(team.manager.email);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('team-row').first().waitFor();
    expect(new URL(page.url())).toMatchObject({ search: '', hash: '#/team' });
    await context.close();
  });

  it("tells a first-time company login in no group yet what to ask for, and lets them sign out", async () => {
    // As a federated user is at first: in the pool, with the company's email, in no group.
    const newcomer = { email: 'nina.newcomer@example.com', name: 'Nina Newcomer' };
    await stack.teamPool.addUser({ ...newcomer, password: DEMO_PASSWORD, groups: [] });
    const context = await browser.newContext({ viewport: viewports.phone });
    const page = await context.newPage();
    await page.goto(`${stack.apiUrl}/app/`);
    await page.getByRole('button', { name: companyLogin }).click();
    await page.getByLabel('Username').fill(newcomer.email);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('account-problem').filter({ hasText: 'neither the reps nor the managers group: ask ops to add you to one' }).waitFor();
    await look(page, 'account-no-group-phone');
    await page.getByTestId('sign-out').click();
    await page.getByRole('button', { name: companyLogin }).waitFor();
    expect((await kept(page)).session).toBeNull();
    await context.close();
  });
});

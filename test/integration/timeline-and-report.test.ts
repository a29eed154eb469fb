import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lead } from '@domain/lead';
import type { DashboardView } from '@domain/team-app';
import { signWebhook } from '@domain/webhook-signature';
import { readQueue } from '../../bin/queue';
import { readDashboard, readReport } from '../../bin/report';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { emailsTo, rawEmail, rawHeader, waitForEmails } from '../support/inbox';
import { executionArnOf, hotLead, markContacted, postLead, uniqueEmail, warmLead } from '../support/leads';
import { storeOf } from '../support/store';

/**
 * What sales and marketing read: the headers a lead's mail client acts on, the lead's timeline
 * (`npm run lead`), and the SLA report (`npm run report`), on the emulators.
 */
let stack: LocalStack;
let store: ReturnType<typeof storeOf>;
const DAY_SCALE = 86_400; // a simulated day in 1 real second: 2 s between the day-1 and day-3 follow-ups

beforeAll(async () => {
  stack = await startLocalStack({ timeScale: DAY_SCALE });
  store = storeOf(stack);
});

afterAll(async () => {
  await stack?.close();
});

/** Runs one of the ops commands against this stack's DynamoDB, as `npm run <name> -- ...` would. */
async function cli(script: 'lead' | 'report' | 'queue', ...args: string[]) {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', `bin/${script}.ts`, ...args, '--endpoint', stack.dynamoUrl], {
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    timeout: 20_000,
  });
  return stdout;
}

async function crmContact(leadId: string, body: Record<string, unknown>) {
  const raw = JSON.stringify({ leadId, ...body });
  const timestamp = Math.floor(Date.now() / 1000);
  const response = await fetch(`${stack.apiUrl}/leads/${leadId}/contact`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-timestamp': String(timestamp), 'x-signature': signWebhook(raw, timestamp, stack.webhookSecret) },
    body: raw,
  });
  expect(response.status).toBe(200);
}

const followUp = (day: number) => `Wes, following up on your request (day ${day})`;

describe('unsubscribing mid-sequence', () => {
  it('the raw email carries the one-click headers, and the POST stops every later follow-up', async () => {
    const email = uniqueEmail('wes');
    const { body } = await postLead(stack, warmLead(email));
    const leadId = body.leadId as string;
    const emails = await waitForEmails(stack.sesUrl, email, (list) => list.some((e) => e.subject === followUp(1)));
    const dayOne = emails.find((e) => e.subject === followUp(1))!;

    // What the mail client receives: the MIME message itself, not the emulator's summary.
    const mime = await rawEmail(stack.sesUrl, dayOne.messageId);
    expect(rawHeader(mime, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    const unsubscribe = rawHeader(mime, 'List-Unsubscribe')!;
    expect(unsubscribe).toMatch(new RegExp(`^<${stack.apiUrl}/leads/${leadId}/unsubscribe\\?token=[\\w-]+\\.[\\w-]+>$`));

    // RFC 8058: the mail client POSTs this body to the URL, with no cookie and no page.
    const oneClick = await fetch(unsubscribe.slice(1, -1), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(oneClick.status).toBe(200);
    stack.runner.setTimeScale(DAY_SCALE * 8);
    const execution = await stack.runner.waitFor(executionArnOf(stack, leadId));
    stack.runner.setTimeScale(DAY_SCALE);
    expect(execution.status).toBe('SUCCEEDED');

    expect((await emailsTo(stack.sesUrl, email)).map((e) => e.subject)).toEqual(['Thanks, Wes: we received your request', followUp(1)]);
    const lead = (await store.leads.getLead(leadId))!;
    expect(lead).toMatchObject({ status: 'unsubscribed', unsubscribedAt: expect.any(String), closedAt: expect.any(String) });
    expect(lead.steps['follow-up-3']).toBeUndefined();
    const unsubscribed = (await store.leads.listEvents(leadId)).filter((e) => e.type === 'unsubscribed');
    expect(unsubscribed).toEqual([{ type: 'unsubscribed', at: lead.unsubscribedAt, actor: 'lead' }]);
  });
});

describe('unsubscribing before a hot lead\'s minute 5', () => {
  // The alert goes to the rep, not the lead; but a lead who has just opted out is not a lead
  // to page someone about, so the alert step finds the lead stopped and sends nothing.
  it('pages no rep either', async () => {
    stack.runner.setTimeScale(100); // 5 simulated minutes take 3 real seconds: time to click
    const email = uniqueEmail('dana');
    const { body } = await postLead(stack, hotLead(email));
    const leadId = body.leadId as string;
    const [confirmation] = await waitForEmails(stack.sesUrl, email, (list) => list.length > 0);
    const unsubscribe = rawHeader(await rawEmail(stack.sesUrl, confirmation!.messageId), 'List-Unsubscribe')!.slice(1, -1);
    expect((await fetch(unsubscribe, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' })).status).toBe(200);
    stack.runner.setTimeScale(DAY_SCALE * 8);
    await stack.runner.waitFor(executionArnOf(stack, leadId));
    stack.runner.setTimeScale(DAY_SCALE);

    const lead = (await store.leads.getLead(leadId))!;
    expect(lead).toMatchObject({ grade: 'hot', status: 'unsubscribed' });
    expect(lead.steps['hot-alert']).toBeUndefined();
    const owner = stack.config.reps.find((rep) => rep.id === lead.ownerId)!;
    expect((await emailsTo(stack.sesUrl, owner.email)).filter((e) => e.body.text?.includes(leadId))).toEqual([]);
    expect((await emailsTo(stack.sesUrl, email)).map((e) => e.subject)).toEqual(['Thanks, Dana: we received your request']);
  });
});

describe("a lead's timeline", () => {
  it('records every step with its time and actor, and `npm run lead` prints it in order', async () => {
    const email = uniqueEmail('dana');
    const submission = { ...hotLead(email), utm_source: 'google' };
    const { body } = await postLead(stack, submission);
    const leadId = body.leadId as string;
    await postLead(stack, submission); // the same person, the same form, again
    await waitForEmails(stack.sesUrl, email, (list) => list.some((e) => e.subject.endsWith('(day 1)')));
    await crmContact(leadId, { outcome: 'rejected', reason: 'no-timeline', repId: 'rep-ana', note: 'Budget next year' });
    stack.runner.setTimeScale(DAY_SCALE * 8);
    await stack.runner.waitFor(executionArnOf(stack, leadId));
    stack.runner.setTimeScale(DAY_SCALE);

    const events = await store.leads.listEvents(leadId);
    const types = events.map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['submitted', 'duplicate-submission', 'confirmation-sent', 'scored', 'assigned', 'hot-alert-sent', 'follow-up-1-sent', 'rejected', 'closed']),
    );
    // In time order; the repeat may land anywhere early, the sequence's own steps in their order.
    expect(events.map((e) => e.at)).toEqual(events.map((e) => e.at).sort());
    expect(types[0]).toBe('submitted');
    expect(types.at(-1)).toBe('closed');
    const order = ['scored', 'hot-alert-sent', 'follow-up-1-sent', 'rejected', 'closed'].map((type) => types.indexOf(type));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    const lead = (await store.leads.getLead(leadId))!;
    const actorOf = (type: string) => events.find((e) => e.type === type)?.actor;
    expect([actorOf('submitted'), actorOf('duplicate-submission'), actorOf('scored'), actorOf('hot-alert-sent'), actorOf('rejected'), actorOf('closed')]).toEqual([
      'lead', 'lead', 'system', 'system', 'crm:rep-ana', 'system',
    ]);
    expect(events.find((e) => e.type === 'hot-alert-sent')?.detail).toEqual({ to: 'rep' });
    expect(events.find((e) => e.type === 'rejected')?.detail).toEqual({ reason: 'no-timeline', note: 'Budget next year', via: 'crm' });

    const printed = await cli('lead', leadId);
    const lines = printed.trim().split('\n');
    expect(lines[0]).toBe(`Lead ${leadId}: Dana Director <${email}>, Director of Sales, Acme`);
    expect(lines[1]).toBe(`  source google / demo-request · hot (score ${lead.score}) · owner ${lead.ownerId} · status contacted · outcome rejected (no-timeline)`);
    expect(lines[2]).toMatch(/^ {2}submitted \S+ \S+ · first contact after .+ by rep-ana \(hot SLA 15m: (met|missed)\)$/);
    const timeline = lines.slice(lines.indexOf('Timeline') + 1);
    const printedTypes = timeline.map((line) => line.trim().split(/\s{2,}/)[3]);
    expect([...printedTypes].sort()).toEqual([...types].sort());
    // Scored and assigned share a millisecond; they print in the order they happen.
    expect(printedTypes.indexOf('scored')).toBeLessThan(printedTypes.indexOf('assigned'));
    expect(printedTypes[0]).toBe('submitted');
    expect(printedTypes.at(-1)).toBe('closed');
    expect(timeline.find((line) => line.includes(' rejected '))).toMatch(/crm:rep-ana\s+rejected\s+reason no-timeline, note "Budget next year", via crm$/);
    expect(timeline[0]).toMatch(/^ {2}\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\s+\+0s\s+lead\s+submitted\s+formId demo-request, source google$/);

    expect(JSON.parse(await cli('lead', leadId, '--json'))).toEqual({ lead, timeline: events });
  });
});

describe('the SLA report', () => {
  // Seeded straight into the table with chosen times, on days no other test uses.
  const day1 = '2025-03-04';
  const at = (day: string, time: string) => `${day}T${time}.000Z`;
  const seeded = (fields: Partial<Lead> & Pick<Lead, 'submittedAt'>): Lead =>
    ({
      leadId: randomUUID(),
      email: uniqueEmail('seed'),
      name: 'Seeded Lead',
      status: fields.contactedAt ? 'contacted' : 'new',
      schedule: { hotAlertAt: fields.submittedAt, followUps: {} },
      steps: {},
      ...fields,
    }) as Lead;

  //  grade  owner    source                first contact        SLA     outcome
  //  hot    rep-ana  google / demo-request +4m     (240 s)      met     accepted
  //  hot    rep-ana  google / demo-request +40m    (2400 s)     missed  rejected no-budget
  //  warm   rep-ben  google / demo-request +2h     (7200 s)     met     contacted
  //  warm   rep-ben  bing / pricing        +5h     (18000 s)    missed  rejected spam
  //  cold   rep-cho  bing / pricing        +23h    (82800 s)    met     contacted
  //  cold   rep-cho  bing / pricing        none (a day old)     missed  unsubscribed
  //  + one lead the day before and one the day after the range: not counted
  const leads = [
    seeded({ submittedAt: at(day1, '09:00:00'), contactedAt: at(day1, '09:04:00'), grade: 'hot', ownerId: 'rep-ana', utm_source: 'google', formId: 'demo-request', outcome: 'accepted' }),
    seeded({ submittedAt: at(day1, '10:00:00'), contactedAt: at(day1, '10:40:00'), grade: 'hot', ownerId: 'rep-ana', utm_source: 'google', formId: 'demo-request', outcome: 'rejected', rejectReason: 'no-budget' }),
    seeded({ submittedAt: at('2025-03-05', '08:00:00'), contactedAt: at('2025-03-05', '10:00:00'), grade: 'warm', ownerId: 'rep-ben', utm_source: 'google', formId: 'demo-request', outcome: 'contacted' }),
    seeded({ submittedAt: at('2025-03-05', '12:00:00'), contactedAt: at('2025-03-05', '17:00:00'), grade: 'warm', ownerId: 'rep-ben', utm_source: 'bing', formId: 'pricing', outcome: 'rejected', rejectReason: 'spam' }),
    seeded({ submittedAt: at('2025-03-06', '00:30:00'), contactedAt: at('2025-03-06', '23:30:00'), grade: 'cold', ownerId: 'rep-cho', utm_source: 'bing', formId: 'pricing', outcome: 'contacted' }),
    seeded({ submittedAt: at('2025-03-06', '23:59:59'), unsubscribedAt: at('2025-03-07', '08:00:00'), status: 'unsubscribed', grade: 'cold', ownerId: 'rep-cho', utm_source: 'bing', formId: 'pricing' }),
  ];
  const outside = [
    seeded({ submittedAt: at('2025-03-03', '23:59:59'), contactedAt: at('2025-03-04', '00:01:00'), grade: 'hot', ownerId: 'rep-ana', utm_source: 'google', formId: 'demo-request' }),
    seeded({ submittedAt: at('2025-03-07', '00:00:00'), grade: 'hot', ownerId: 'rep-ana', utm_source: 'google', formId: 'demo-request' }),
  ];
  const range = { from: day1, to: '2025-03-06' };

  beforeAll(async () => {
    for (const lead of [...leads, ...outside]) await store.leads.createLead(lead);
  });

  it('equals the hand-computed figures for a seeded set of leads', async () => {
    const now = new Date();
    const report = await readReport(store.leads, range, stack.config.slaMinutes, now);
    // All six: contact times 240, 2400, 7200, 18000, 82800 -> median 7200, p90 = 5th of 5 = 82800;
    // met 3 (240, 7200, 82800), missed 3 (2400, 18000, the uncontacted cold lead) -> 50%.
    expect(report.total).toEqual({
      key: 'all', leads: 6, contacted: 5, medianSeconds: 7200, p90Seconds: 82_800, slaMet: 3, slaMissed: 3, withinSlaPercent: 50,
      accepted: 1, rejected: 2, rejectedByReason: { 'no-budget': 1, spam: 1 }, unsubscribed: 1,
    });
    expect(report.byRep).toEqual([
      { key: 'rep-ana', leads: 2, contacted: 2, medianSeconds: 1320, p90Seconds: 2400, slaMet: 1, slaMissed: 1, withinSlaPercent: 50, accepted: 1, rejected: 1, rejectedByReason: { 'no-budget': 1 }, unsubscribed: 0 },
      { key: 'rep-ben', leads: 2, contacted: 2, medianSeconds: 12_600, p90Seconds: 18_000, slaMet: 1, slaMissed: 1, withinSlaPercent: 50, accepted: 0, rejected: 1, rejectedByReason: { spam: 1 }, unsubscribed: 0 },
      { key: 'rep-cho', leads: 2, contacted: 1, medianSeconds: 82_800, p90Seconds: 82_800, slaMet: 1, slaMissed: 1, withinSlaPercent: 50, accepted: 0, rejected: 0, rejectedByReason: {}, unsubscribed: 1 },
    ]);
    expect(report.bySource).toEqual([
      { key: 'bing / pricing', leads: 3, contacted: 2, medianSeconds: 50_400, p90Seconds: 82_800, slaMet: 1, slaMissed: 2, withinSlaPercent: 33.3, accepted: 0, rejected: 1, rejectedByReason: { spam: 1 }, unsubscribed: 1 },
      { key: 'google / demo-request', leads: 3, contacted: 3, medianSeconds: 2400, p90Seconds: 7200, slaMet: 2, slaMissed: 1, withinSlaPercent: 66.7, accepted: 1, rejected: 1, rejectedByReason: { 'no-budget': 1 }, unsubscribed: 0 },
    ]);
  });

  it('`npm run report` prints the same figures as a table, JSON and CSV', async () => {
    // Four runs of the command, each a process of its own over the same leads: started at once.
    const [jsonOut, bensOut, csvOut, text] = await Promise.all([
      cli('report', '--from', range.from, '--to', range.to, '--json'),
      cli('report', '--from', range.from, '--to', range.to, '--rep', 'rep-ben', '--json'),
      cli('report', '--from', range.from, '--to', range.to, '--csv'),
      cli('report', '--from', range.from, '--to', range.to),
    ]);
    // The JSON is the dashboard's view (what GET /app/api/dashboard answers); the SLA report's keys keep their figures.
    const json = JSON.parse(jsonOut) as DashboardView;
    expect(json).toEqual(await readDashboard(store.leads, { range, filters: {} }, stack.config.slaMinutes, new Date(json.asOf), stack.config.reps));
    expect(json).toMatchObject(await readReport(store.leads, range, stack.config.slaMinutes, new Date(json.asOf)));
    // 1 accepted, 2 rejected: 33.3%; all six in the ISO week of Monday 2025-03-03, 3 met and 3 missed.
    expect(json.total).toMatchObject({ acceptancePercent: 33.3, bounced: 0, complained: 0 });
    expect(json.weekly).toEqual([{ week: '2025-03-03', leads: 6, slaMet: 3, slaMissed: 3, withinSlaPercent: 50 }]);
    const bens = JSON.parse(bensOut) as DashboardView;
    expect([bens.filters, bens.total.leads, bens.byRep.map((row) => row.key), bens.options.reps.length]).toEqual([{ rep: 'rep-ben' }, 2, ['rep-ben'], 3]);

    const csv = csvOut.trim().split('\n');
    expect(csv[0]).toBe('group,key,leads,contacted,median_seconds,p90_seconds,sla_met,sla_missed,within_sla_percent,accepted,rejected,rejected_no-budget,rejected_wrong-role,rejected_bad-fit,rejected_no-timeline,rejected_duplicate,rejected_spam,rejected_other,unsubscribed,from,to');
    expect(csv).toContain('rep,rep-ben,2,2,12600,18000,1,1,50,0,1,0,0,0,0,0,1,0,0,2025-03-04,2025-03-06');
    expect(csv.at(-1)).toBe('all,all,6,5,7200,82800,3,3,50,1,2,1,0,0,0,0,1,0,1,2025-03-04,2025-03-06');

    expect(text).toContain('SLA to first contact: hot 15m, warm 4h, cold 24h.');
    expect(text).toMatch(/^ {2}Rep\s+Leads\s+Contacted\s+Median\s+P90\s+Within SLA\s+Accepted\s+Rejected\s+Unsubscribed$/m);
    expect(text).toMatch(/^ {2}rep-ana\s+2\s+2\s+22m 00s\s+40m 00s\s+50\.0% \(1\/2\)\s+1\s+1 \(no-budget 1\)\s+0$/m);
    expect(text).toMatch(/^ {2}bing \/ pricing\s+3\s+2\s+14h 00m\s+23h 00m\s+33\.3% \(1\/3\)\s+0\s+1 \(spam 1\)\s+1$/m);
    expect(text).toMatch(/^ {2}all\s+6\s+5\s+2h 00m\s+23h 00m\s+50\.0% \(3\/6\)\s+1\s+2 \(no-budget 1, spam 1\)\s+1$/m);
    expect(text).toContain('Acceptance: 33.3% (1 accepted of 3 decided). Bounced 0, complained 0.');
    expect(text).toMatch(/^ {2}2025-03-03\s+6\s+50\.0% \(3\/6\)$/m);
  });

  it('shows a rep’s rejection, with its reason, the moment it is recorded', async () => {
    const utmSource = `campaign-${randomUUID().slice(0, 8)}`;
    const { body } = await postLead(stack, { ...warmLead(uniqueEmail('wes')), utm_source: utmSource });
    const rejected = await markContacted(stack, body.leadId, { outcome: 'rejected', reason: 'wrong-role' });
    expect(rejected.status).toBe(200);
    const today = rejected.body.contactedAt.slice(0, 10);
    const report = await readReport(store.leads, { from: today, to: today }, stack.config.slaMinutes, new Date());
    expect(report.bySource.find((row) => row.key === `${utmSource} / pricing`)).toMatchObject({ leads: 1, contacted: 1, rejected: 1, rejectedByReason: { 'wrong-role': 1 } });
  });

  it('refuses a bad range with a clear message', async () => {
    const run = (...args: string[]) => cli('report', ...args).then(() => 'ok', (error: { code: number; stderr: string }) => `${error.code}: ${error.stderr.trim()}`);
    // Four separate processes, so at the same time: each one's answer is its own.
    const [reversed, impossible, tooLong, badGrade] = await Promise.all([
      run('--from', '2025-03-06', '--to', '2025-03-04'),
      run('--from', '2025-02-30', '--to', '2025-03-04'),
      run('--from', '2024-01-01', '--to', '2025-03-04'),
      run('--from', '2025-03-04', '--to', '2025-03-06', '--grade', 'lukewarm'),
    ]);
    expect(reversed).toBe('2: --from 2025-03-06 is after --to 2025-03-04');
    expect(impossible).toBe('2: --from must be a date like 2026-11-01, got "2025-02-30"');
    expect(tooLong).toBe('2: The range has 429 days; ask for at most 366 at a time');
    expect(badGrade).toBe('2: --grade must be one of hot, warm, cold');
  });
});

describe("a rep's queue (`npm run queue`)", () => {
  it("lists a new lead for its owner, due at its grade's SLA, and drops it once the rep answers", async () => {
    const email = uniqueEmail('queue');
    const { body } = await postLead(stack, warmLead(email));
    // The confirmation goes out once the lead is scored and routed: it has its owner by then.
    await waitForEmails(stack.sesUrl, email, (emails) => emails.length > 0);
    const lead = (await store.leads.getLead(body.leadId))!;
    expect(lead.grade).toBe('warm');

    const queueOf = async (repId: string) => readQueue(store.leads, repId, 30, stack.config.slaMinutes, new Date());
    const queued = (await queueOf(lead.ownerId!)).find((q) => q.leadId === body.leadId);
    expect(queued).toMatchObject({ name: lead.name, grade: 'warm', dueAt: new Date(Date.parse(lead.submittedAt) + stack.config.slaMinutes.warm * 60_000).toISOString(), escalated: false });
    expect(queued!.secondsLeft).toBeGreaterThan(0);
    expect(await cli('queue', lead.ownerId!)).toMatch(new RegExp(`^  \\d+h \\d+m left\\s+warm \\d+\\s+${lead.name}.*${body.leadId}$`, 'm'));
    // No other rep has it in their queue.
    const otherRep = stack.config.reps.find((rep) => rep.id !== lead.ownerId)!.id;
    expect((await queueOf(otherRep)).map((q) => q.leadId)).not.toContain(body.leadId);

    expect((await markContacted(stack, body.leadId)).status).toBe(200);
    expect((await queueOf(lead.ownerId!)).map((q) => q.leadId)).not.toContain(body.leadId);
  });

  it('refuses a rep the stage does not have, naming the ones it does', async () => {
    const run = cli('queue', 'rep-nobody').then(() => 'ok', (error: { code: number; stderr: string }) => `${error.code}: ${error.stderr.trim()}`);
    expect(await run).toBe(`2: "rep-nobody" is not a rep of stage dev: ${stack.config.reps.map((rep) => rep.id).join(', ')}`);
  });
});

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signHubspotRequest } from '@domain/hubspot-signature';
import { signWebhook } from '@domain/webhook-signature';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { emailsTo, waitForEmails } from '../support/inbox';
import { executionArnOf, markContacted, postLead, repToken, uniqueEmail, warmLead } from '../support/leads';
import { outboundMessage } from '../support/salesforce';
import { storeOf } from '../support/store';

/**
 * A CRM (or a Slack workflow) marks a lead with one request signed with the shared secret,
 * through the HTTP API, on the emulators: the same POST /leads/{id}/contact as the rep's link.
 */
let stack: LocalStack;
let store: ReturnType<typeof storeOf>;

beforeAll(async () => {
  // A simulated day takes 2 real seconds: the lead is still before its day-1 follow-up when the CRM calls.
  stack = await startLocalStack({ timeScale: 43_200 });
  store = storeOf(stack);
});

afterAll(async () => {
  await stack?.close();
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

interface CrmCall {
  /** The exact bytes sent; a string body is sent as-is. */
  body: Record<string, unknown> | string;
  secret?: string;
  timestamp?: number | string;
  /** Sign this instead of the body sent (a body changed after signing). */
  signedBody?: string;
  headers?: Record<string, string | undefined>;
  /** The lead's route: /contact (the rep's answer) unless told otherwise. */
  path?: 'contact' | 'outcome';
}

/** POSTs a CRM webhook for the lead: signed with the stack's secret unless told otherwise. */
async function crm(leadId: string, call: CrmCall) {
  const raw = typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
  const timestamp = String(call.timestamp ?? nowSeconds());
  const headers: Record<string, string | undefined> = {
    'content-type': 'application/json',
    'x-timestamp': timestamp,
    'x-signature': signWebhook(call.signedBody ?? raw, timestamp, call.secret ?? stack.webhookSecret),
    ...call.headers,
  };
  const response = await fetch(`${stack.apiUrl}/leads/${leadId}/${call.path ?? 'contact'}`, {
    method: 'POST',
    headers: Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined)),
    body: raw,
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function newLead() {
  const email = uniqueEmail('wes');
  const { body } = await postLead(stack, warmLead(email));
  await waitForEmails(stack.sesUrl, email, (emails) => emails.length > 0);
  return { leadId: body.leadId as string, email };
}

/** What a refused request must leave untouched. */
async function untouched(leadId: string) {
  const lead = await store.leads.getLead(leadId);
  expect(lead?.contactedAt).toBeUndefined();
  expect(lead?.outcome).toBeUndefined();
  const types = (await store.leads.listEvents(leadId)).map((e) => e.type);
  expect(types.filter((t) => ['contacted', 'accepted', 'rejected'].includes(t))).toEqual([]);
}

describe('a CRM webhook signed with the shared secret', () => {
  it('marks the lead contacted in one request, names the rep, and stops the follow-ups', async () => {
    const { leadId, email } = await newLead();
    const result = await crm(leadId, { body: { leadId, outcome: 'contacted', repId: 'rep-ben', note: 'Called, demo booked for Tuesday' } });
    expect(result).toEqual({ status: 200, body: { leadId, contactedAt: expect.any(String), outcome: 'contacted' } });

    expect(await store.leads.getLead(leadId)).toMatchObject({ status: 'contacted', outcome: 'contacted', contactedBy: 'rep-ben', repNote: 'Called, demo booked for Tuesday', contactedAt: result.body.contactedAt });
    expect((await store.leads.listEvents(leadId)).find((e) => e.type === 'contacted')).toEqual({
      type: 'contacted',
      at: result.body.contactedAt,
      actor: 'crm:rep-ben',
      detail: { via: 'crm', note: 'Called, demo booked for Tuesday' },
    });

    const execution = await stack.runner.waitFor(executionArnOf(stack, leadId));
    expect(execution.status).toBe('SUCCEEDED');
    expect((await emailsTo(stack.sesUrl, email)).map((e) => e.subject)).toEqual(['Thanks, Wes: we received your request']);
  });

  it('works without a rep id, and with a form-encoded body', async () => {
    const { leadId } = await newLead();
    const form = new URLSearchParams({ leadId, outcome: 'accepted' }).toString();
    const result = await crm(leadId, { body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    // A CRM gets JSON back even for a form body: it is a program, not a browser.
    expect(result).toEqual({ status: 200, body: { leadId, contactedAt: expect.any(String), outcome: 'accepted' } });
    expect((await store.leads.listEvents(leadId)).find((e) => e.type === 'accepted')?.actor).toBe('crm');
  });

  it('is refused with 401 and a message saying why when the signature is wrong, stale or missing, and changes nothing', async () => {
    const { leadId } = await newLead();
    const body = { leadId, outcome: 'contacted' };
    const refusals: Array<[string, CrmCall, RegExp]> = [
      ['another secret', { body, secret: 'not-the-shared-secret-at-all' }, /does not match/],
      ['body changed after signing', { body, signedBody: JSON.stringify({ ...body, outcome: 'accepted' }) }, /does not match/],
      ['re-dated', { body, timestamp: nowSeconds() + 1, signedBody: undefined, headers: { 'x-signature': signWebhook(JSON.stringify(body), nowSeconds() - 60, stack.webhookSecret) } }, /does not match/],
      ['signed 6 minutes ago (a replay)', { body, timestamp: nowSeconds() - 360 }, /more than 5 minutes/],
      ['signed 6 minutes ahead', { body, timestamp: nowSeconds() + 360 }, /more than 5 minutes/],
      ['in milliseconds', { body, timestamp: Date.now() }, /Unix time in seconds/],
      ['no timestamp', { body, headers: { 'x-timestamp': undefined } }, /X-Timestamp is required/],
      ['empty signature', { body, headers: { 'x-signature': '' } }, /X-Signature is required/],
      ['not hex', { body, headers: { 'x-signature': 'sha256=not-a-signature' } }, /64 hex digits/],
    ];
    for (const [why, call, message] of refusals) {
      const result = await crm(leadId, call);
      expect(result.status, why).toBe(401);
      expect(result.body, why).toEqual({ error: 'SignatureInvalid', message: expect.stringMatching(message) });
    }
    // The signature is checked before the body's fields and the lead: a bad one learns nothing
    // about either. (A body that is not JSON at all is refused by the shared parser first, 400.)
    expect((await crm(leadId, { body: { outcome: 'bogus' }, secret: 'wrong-secret-0123456789' })).status).toBe(401);
    expect((await crm('00000000-0000-4000-8000-000000000000', { body: { ...body, leadId: '00000000-0000-4000-8000-000000000000' }, secret: 'wrong-secret-0123456789' })).status).toBe(401);
    await untouched(leadId);
  });

  it('checks the body once the signature is good: 400 for bad input, 404 for an unknown lead', async () => {
    const { leadId } = await newLead();
    const issuesOf = async (body: CrmCall['body']) => {
      const result = await crm(leadId, { body });
      expect(result.status, JSON.stringify(body)).toBe(400);
      return result.body.issues;
    };
    expect(await issuesOf({ leadId, outcome: 'rejected', reason: 'too-expensive' })).toEqual([
      { path: 'reason', message: 'must be one of no-budget, wrong-role, bad-fit, no-timeline, duplicate, spam, other' },
    ]);
    expect(await issuesOf({ leadId, outcome: 'rejected' })).toEqual([{ path: 'reason', message: 'is required when the outcome is rejected' }]);
    expect(await issuesOf({ leadId, outcome: 'contacted', reason: 'spam' })).toEqual([{ path: 'reason', message: 'is only for the outcome rejected' }]);
    expect(await issuesOf({ leadId, outcome: 'called' })).toEqual([{ path: 'outcome', message: 'must be one of contacted, accepted, rejected' }]);
    expect(await issuesOf({ leadId, outcome: 'contacted', repId: 'rep-zed' })).toEqual([{ path: 'repId', message: 'must be one of the configured reps: rep-ana, rep-ben, rep-cho, rep-dee, rep-eve' }]);
    expect(await issuesOf({ outcome: 'contacted' })).toEqual([{ path: 'leadId', message: 'is required: the id of the lead this response is about' }]);
    // A request signed for another lead cannot be replayed against this one.
    expect(await issuesOf({ leadId: '00000000-0000-4000-8000-000000000000', outcome: 'contacted' })).toEqual([{ path: 'leadId', message: 'must be the lead in the URL' }]);
    expect(await issuesOf('{not json')).toEqual([{ path: '(body)', message: 'must be valid JSON' }]);
    await untouched(leadId);

    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(await crm(unknown, { body: { leadId: unknown, outcome: 'contacted' } })).toEqual({ status: 404, body: { error: 'LeadNotFound', message: 'No such lead' } });
  });
});

describe('the same signed request sent again within its 5 minutes', () => {
  it('is answered as the first was and changes nothing; a new request is still recorded', async () => {
    const { leadId } = await newLead();
    const responses = async () => (await store.leads.listEvents(leadId)).filter((e) => ['contacted', 'accepted', 'rejected'].includes(e.type)).map((e) => e.type);
    const answerOf = async () => {
      const lead = await store.leads.getLead(leadId);
      return { outcome: lead?.outcome, contactedAt: lead?.contactedAt, contactedBy: lead?.contactedBy, repNote: lead?.repNote, firstResponse: lead?.firstResponse };
    };
    const call = { body: { leadId, outcome: 'contacted', repId: 'rep-cho', note: 'Left a voicemail' }, timestamp: nowSeconds() };
    const first = await crm(leadId, call);
    expect(first).toEqual({ status: 200, body: { leadId, contactedAt: expect.any(String), outcome: 'contacted' } });
    const recorded = await answerOf();

    // A replay, also with the signature's hex upper-cased (it verifies all the same).
    expect(await crm(leadId, call)).toEqual(first);
    const raw = JSON.stringify(call.body);
    expect(await crm(leadId, { ...call, headers: { 'x-signature': signWebhook(raw, call.timestamp, stack.webhookSecret).toUpperCase() } })).toEqual(first);
    expect(await answerOf()).toEqual(recorded);
    expect(await responses()).toEqual(['contacted']);

    // A new request (another timestamp) with another answer is recorded; the replay then tells the lead's current answer.
    const rejected = await crm(leadId, { body: { leadId, outcome: 'rejected', reason: 'no-budget', repId: 'rep-cho' }, timestamp: call.timestamp + 1 });
    expect(rejected).toEqual({ status: 200, body: { leadId, contactedAt: first.body.contactedAt, outcome: 'rejected' } });
    expect(await crm(leadId, call)).toEqual(rejected);
    expect(await responses()).toEqual(['contacted', 'rejected']);
    expect((await store.leads.getLead(leadId))?.outcome).toBe('rejected');
  });
});

describe('the same signed request sent several times at once', () => {
  it('is recorded once: one response, one timeline event; the others are told to retry (409) or answered as a replay', async () => {
    const { leadId } = await newLead();
    const call = { body: { leadId, outcome: 'rejected', reason: 'no-budget', repId: 'rep-dee', note: 'Budget frozen' }, timestamp: nowSeconds() };
    const results = await Promise.all(Array.from({ length: 6 }, () => crm(leadId, call)));

    const recorded = results.filter((r) => r.status === 200);
    expect(recorded.length).toBeGreaterThanOrEqual(1);
    expect(recorded.every((r) => r.body.outcome === 'rejected' && r.body.contactedAt === recorded[0]!.body.contactedAt)).toBe(true);
    for (const busy of results.filter((r) => r.status !== 200)) {
      expect(busy).toEqual({ status: 409, body: { error: 'RequestInProgress', message: expect.stringMatching(/send it again/) } });
    }
    const responses = (await store.leads.listEvents(leadId)).filter((e) => ['contacted', 'accepted', 'rejected'].includes(e.type));
    expect(responses.map((e) => [e.type, e.actor, e.at])).toEqual([['rejected', 'crm:rep-dee', recorded[0]!.body.contactedAt]]);
    expect(await store.leads.getLead(leadId)).toMatchObject({ outcome: 'rejected', contactedAt: recorded[0]!.body.contactedAt, firstResponse: { outcome: 'rejected', at: recorded[0]!.body.contactedAt } });

    // Sent again once the first is recorded: the lead's current answer, nothing more recorded.
    expect(await crm(leadId, call)).toEqual(recorded[0]);
    expect((await store.leads.listEvents(leadId)).filter((e) => e.type === 'rejected')).toHaveLength(1);
  });

  it('while another attempt holds it: 409 with Retry-After and nothing recorded; once that attempt crashed (its lock passed): recorded', async () => {
    const { leadId } = await newLead();
    const timestamp = nowSeconds();
    const raw = JSON.stringify({ leadId, outcome: 'contacted', repId: 'rep-eve' });
    const signature = signWebhook(raw, timestamp, stack.webhookSecret);
    const send = () =>
      fetch(`${stack.apiUrl}/leads/${leadId}/contact`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-timestamp': String(timestamp), 'x-signature': signature }, body: raw });
    // Another attempt (in another function instance) claimed this request and is recording it.
    const now = new Date();
    const inFlight = { now, lockUntil: new Date(now.getTime() + 15_000), rememberUntil: new Date(now.getTime() + 600_000) };
    expect((await store.leads.claimWebhook(signature.slice('sha256='.length), inFlight)).kind).toBe('claimed');

    const busy = await send();
    expect(busy.status).toBe(409);
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(await busy.json()).toEqual({ error: 'RequestInProgress', message: expect.stringMatching(/send it again/) });
    await untouched(leadId);

    // The same, once the other attempt died holding it: its lock passed, so this one records.
    const other = { ...JSON.parse(raw), note: 'after a crash' };
    const crashedRaw = JSON.stringify(other);
    const crashedSignature = signWebhook(crashedRaw, timestamp, stack.webhookSecret);
    const crashed = { now, lockUntil: new Date(now.getTime() - 2_000), rememberUntil: inFlight.rememberUntil };
    expect((await store.leads.claimWebhook(crashedSignature.slice('sha256='.length), crashed)).kind).toBe('claimed');
    const retried = await crm(leadId, { body: crashedRaw, timestamp });
    expect(retried).toMatchObject({ status: 200, body: { leadId, outcome: 'contacted' } });
    expect((await store.leads.listEvents(leadId)).filter((e) => e.type === 'contacted').map((e) => e.detail?.note)).toEqual(['after a crash']);
  });
});

describe('a second response', () => {
  it('keeps the first contact time and appends each new outcome to the timeline', async () => {
    const { leadId } = await newLead();
    const first = await markContacted(stack, leadId);
    expect(first.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 5));

    const rejected = await crm(leadId, { body: { leadId, outcome: 'rejected', reason: 'bad-fit', repId: 'rep-ana', note: 'Agency, not a buyer' } });
    expect(rejected).toEqual({ status: 200, body: { leadId, contactedAt: first.body.contactedAt, outcome: 'rejected' } });
    expect(await store.leads.getLead(leadId)).toMatchObject({ contactedAt: first.body.contactedAt, contactedBy: 'rep-ana', outcome: 'rejected', rejectReason: 'bad-fit' });

    // Changed its mind: accepted after all, through the rep's link. The stale reason goes.
    const accepted = await markContacted(stack, leadId, { outcome: 'accepted' });
    expect(accepted.body).toEqual({ leadId, contactedAt: first.body.contactedAt, outcome: 'accepted' });
    expect((await store.leads.getLead(leadId))?.rejectReason).toBeUndefined();

    const responses = (await store.leads.listEvents(leadId)).filter((e) => ['contacted', 'accepted', 'rejected'].includes(e.type));
    expect(responses.map((e) => [e.type, e.actor, e.detail?.reason])).toEqual([
      ['contacted', 'rep:rep-ana', undefined],
      ['rejected', 'crm:rep-ana', 'bad-fit'],
      ['accepted', 'rep:rep-ana', undefined],
    ]);
    expect(responses[0]!.at).toBe(first.body.contactedAt);
    expect(responses.map((e) => e.at)).toEqual([...responses.map((e) => e.at)].sort());
  });

  it('with the link token still works alongside the webhook: a token request never needs a signature', async () => {
    const { leadId } = await newLead();
    const response = await fetch(`${stack.apiUrl}/leads/${leadId}/contact`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: repToken(stack, leadId), outcome: 'rejected', reason: 'too-expensive' }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { issues: unknown[] }).issues).toEqual([{ path: 'reason', message: 'must be one of no-budget, wrong-role, bad-fit, no-timeline, duplicate, spam, other' }]);
    await untouched(leadId);
  });
});

describe('POST /leads/{id}/outcome: what the CRM says after the first answer', () => {
  const outcome = (leadId: string, body: CrmCall['body'], call: Omit<CrmCall, 'body' | 'path'> = {}) => crm(leadId, { ...call, body, path: 'outcome' });
  const pipelineEvents = async (leadId: string) =>
    (await store.leads.listEvents(leadId)).filter((e) => e.type.startsWith('pipeline-')).map((e) => [e.type, e.at, e.actor, e.detail ?? {}]);

  it('records the opportunity and then the win, with amounts, on the lead and its timeline', async () => {
    const { leadId } = await newLead();
    expect((await markContacted(stack, leadId, { outcome: 'accepted' })).status).toBe(200);
    const opened = await outcome(leadId, { leadId, stage: 'opportunity', amount: 12_000, currency: 'eur', at: '2026-11-02T09:00:00Z' });
    expect(opened).toEqual({ status: 200, body: { leadId, stage: 'opportunity', stageAt: '2026-11-02T09:00:00.000Z', opportunityAt: '2026-11-02T09:00:00.000Z', amount: 12_000, currency: 'EUR', changed: true } });
    const won = await outcome(leadId, { leadId, stage: 'won', amount: 10_500, currency: 'EUR', at: '2026-11-20T16:30:00+01:00' });
    expect(won.body).toMatchObject({ stage: 'won', stageAt: '2026-11-20T15:30:00.000Z', opportunityAt: '2026-11-02T09:00:00.000Z', amount: 10_500 });

    expect((await store.leads.getLead(leadId))?.pipeline).toMatchObject({ stage: 'won', amount: 10_500, currency: 'EUR', source: 'webhook' });
    expect(await pipelineEvents(leadId)).toEqual([
      ['pipeline-opportunity', '2026-11-02T09:00:00.000Z', 'webhook', { amount: 12_000, currency: 'EUR' }],
      ['pipeline-won', '2026-11-20T15:30:00.000Z', 'webhook', { amount: 10_500, currency: 'EUR' }],
    ]);
  });

  it('tolerates order: a win delivered before its opportunity stays won, and the late one only says when it began', async () => {
    const { leadId } = await newLead();
    await outcome(leadId, { leadId, stage: 'won', amount: 8_000, currency: 'USD', at: '2026-11-20T10:00:00Z' });
    const late = await outcome(leadId, { leadId, stage: 'opportunity', amount: 9_000, currency: 'USD', at: '2026-11-01T10:00:00Z' });
    expect(late.body).toMatchObject({ stage: 'won', stageAt: '2026-11-20T10:00:00.000Z', opportunityAt: '2026-11-01T10:00:00.000Z', amount: 8_000, changed: true });
    // And a loss later than the win (the deal reopened and was lost) is the stage that stands.
    const lost = await outcome(leadId, { leadId, stage: 'lost', lostReason: 'Chose a competitor', at: '2026-11-25T10:00:00Z' });
    expect(lost.body).toMatchObject({ stage: 'lost', lostReason: 'Chose a competitor', amount: 8_000 });
  });

  it('is idempotent: the same signed delivery twice is one change and one event; deliveries at once are each applied', async () => {
    const { leadId } = await newLead();
    const timestamp = nowSeconds();
    const body = { leadId, stage: 'opportunity', amount: 5_000, currency: 'EUR', at: '2026-11-03T08:00:00Z' };
    const first = await outcome(leadId, body, { timestamp });
    const again = await outcome(leadId, body, { timestamp });
    expect([first.body.changed, again.body.changed]).toEqual([true, false]);
    expect(again).toMatchObject({ status: 200, body: { stage: 'opportunity', amount: 5_000 } });

    // Five CRM updates of the amount at once, each at its own CRM time: the latest time's amount stands.
    const amounts = [6_000, 7_000, 8_000, 9_000, 10_000];
    const results = await Promise.all(amounts.map((amount, i) => outcome(leadId, { ...body, amount, at: `2026-11-0${4 + i}T08:00:00Z` })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const lead = (await store.leads.getLead(leadId))!;
    expect(lead.pipeline).toMatchObject({ stage: 'opportunity', amount: 10_000, amountAt: '2026-11-08T08:00:00.000Z', opportunityAt: '2026-11-03T08:00:00.000Z' });
    expect(lead.pipeline!.deliveries).toHaveLength(6);
    expect(lead.pipelineRevision).toBe(6);
  });

  it('is refused with 401 when unsigned, wrongly signed, stale or re-dated; 400 naming the field; 404 for an unknown lead; nothing recorded', async () => {
    const { leadId } = await newLead();
    const body = { leadId, stage: 'won', amount: 1_000, currency: 'EUR' };
    const refusals: Array<[string, Omit<CrmCall, 'body' | 'path'>]> = [
      ['another secret', { secret: 'not-the-shared-secret-at-all' }],
      ['body changed after signing', { signedBody: JSON.stringify({ ...body, amount: 1_000_000 }) }],
      ['signed 6 minutes ago (a replay)', { timestamp: nowSeconds() - 360 }],
      ['no signature', { headers: { 'x-signature': undefined } }],
      ['no timestamp', { headers: { 'x-timestamp': undefined } }],
    ];
    for (const [why, call] of refusals) expect((await outcome(leadId, body, call)).status, why).toBe(401);

    const issuesOf = async (bad: CrmCall['body']) => (await outcome(leadId, bad)).body.issues;
    expect(await issuesOf({ leadId, stage: 'closed' })).toEqual([{ path: 'stage', message: 'must be one of opportunity, won, lost' }]);
    expect(await issuesOf({ leadId, stage: 'won', amount: 100 })).toEqual([{ path: 'currency', message: 'is required with an amount: a three-letter ISO 4217 code such as EUR' }]);
    expect(await issuesOf({ leadId, stage: 'won', amount: -5, currency: 'EUR' })).toEqual([{ path: 'amount', message: 'must be a number of at least 0, in the currency given (e.g. 12000)' }]);
    expect(await issuesOf({ leadId, stage: 'won', lostReason: 'price' })).toEqual([{ path: 'lostReason', message: 'is only for stage "lost"' }]);
    expect(await issuesOf({ leadId, stage: 'won', at: 'yesterday' })).toEqual([{ path: 'at', message: 'must be an ISO 8601 time with a time zone, e.g. 2026-12-01T10:00:00Z' }]);
    expect(await issuesOf({ leadId: '00000000-0000-4000-8000-000000000000', stage: 'won' })).toEqual([{ path: 'leadId', message: 'must be the lead in the URL' }]);
    const lead = (await store.leads.getLead(leadId))!;
    expect([lead.pipeline, lead.pipelineRevision]).toEqual([undefined, undefined]);
    expect(await pipelineEvents(leadId)).toEqual([]);

    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(await outcome(unknown, { leadId: unknown, stage: 'won' })).toEqual({ status: 404, body: { error: 'LeadNotFound', message: 'No such lead' } });
  });
});

describe("POST /crm/hubspot: HubSpot's own workflow webhook, signed with the app's client secret (v3)", () => {
  interface HubspotCall {
    body: Record<string, unknown> | string;
    secret?: string;
    timestamp?: number;
    /** The URL HubSpot signed, when not ours (a workflow pointed at another address). */
    signedUri?: string;
    headers?: Record<string, string | undefined>;
  }
  const hubspot = async (call: HubspotCall) => {
    const raw = typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
    const timestamp = call.timestamp ?? Date.now();
    const uri = `${stack.apiUrl}/crm/hubspot`;
    const headers: Record<string, string | undefined> = {
      'content-type': 'application/json',
      'x-hubspot-request-timestamp': String(timestamp),
      'x-hubspot-signature-v3': signHubspotRequest({ method: 'POST', uri: call.signedUri ?? uri, rawBody: Buffer.from(raw) }, timestamp, call.secret ?? stack.hubspotClientSecret),
      ...call.headers,
    };
    const response = await fetch(uri, { method: 'POST', headers: Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined)), body: raw });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  it("records the rep's lead status set in HubSpot as the answer, found by email: the follow-ups stop", async () => {
    const { leadId, email } = await newLead();
    const result = await hubspot({ body: { properties: { email: { value: email.toUpperCase() }, hs_lead_status: { value: 'CONNECTED' } } } });
    expect(result).toMatchObject({ status: 200, body: { leadId, response: { outcome: 'contacted' } } });
    expect(await store.leads.getLead(leadId)).toMatchObject({ status: 'contacted', outcome: 'contacted', firstResponse: { via: 'crm', actor: 'crm:hubspot' } });
    const arn = executionArnOf(stack, leadId);
    await vi.waitFor(() => expect(stack.runner.describe(arn).status).toBe('SUCCEEDED'), { timeout: 20_000, interval: 100 });
    expect((await emailsTo(stack.sesUrl, email)).filter((e) => /follow|checking in/i.test(e.subject))).toEqual([]);
  });

  it("moves the deal found by our lead id through opportunity to won, and HubSpot's retry of a delivery changes nothing", async () => {
    const { leadId } = await newLead();
    const opened = await hubspot({ body: { speed_to_lead_id: leadId, dealstage: 'presentationscheduled', amount: '24000', deal_currency_code: 'EUR' }, timestamp: Date.now() - 2_000 });
    expect(opened.body).toEqual({ leadId, pipeline: { stage: 'opportunity', stageAt: expect.any(String), amount: 24_000, currency: 'EUR', changed: true } });
    const timestamp = Date.now();
    const wonCall = { body: { speed_to_lead_id: leadId, dealstage: 'closedwon', amount: '22000', deal_currency_code: 'EUR' }, timestamp };
    expect((await hubspot(wonCall)).body.pipeline).toMatchObject({ stage: 'won', amount: 22_000, changed: true });
    expect((await hubspot(wonCall)).body.pipeline).toMatchObject({ stage: 'won', changed: false });

    const lead = (await store.leads.getLead(leadId))!;
    expect(lead.pipeline).toMatchObject({ stage: 'won', stageAt: new Date(timestamp).toISOString(), amount: 22_000, source: 'hubspot' });
    const events = (await store.leads.listEvents(leadId)).filter((e) => e.type.startsWith('pipeline-'));
    expect(events.map((e) => [e.type, e.actor])).toEqual([['pipeline-opportunity', 'hubspot'], ['pipeline-won', 'hubspot']]);
  });

  it('is refused with 401 when forged, altered, signed for another URL, stale or unsigned, before the body is read; nothing recorded', async () => {
    const { leadId, email } = await newLead();
    const body = { speed_to_lead_id: leadId, email, hs_lead_status: 'CONNECTED', dealstage: 'closedwon' };
    const refusals: Array<[string, HubspotCall, RegExp]> = [
      ['another secret', { body, secret: 'not-the-client-secret' }, /does not match/],
      ['another URL', { body, signedUri: 'https://attacker.example/crm/hubspot' }, /does not match/],
      ['body changed after signing', { body, headers: { 'x-hubspot-signature-v3': signHubspotRequest({ method: 'POST', uri: `${stack.apiUrl}/crm/hubspot`, rawBody: Buffer.from('{}') }, Date.now(), stack.hubspotClientSecret) } }, /does not match/],
      ['signed 6 minutes ago (a replay)', { body, timestamp: Date.now() - 6 * 60_000 }, /more than 5 minutes/],
      ['no signature', { body, headers: { 'x-hubspot-signature-v3': undefined } }, /is required/],
      ['no timestamp', { body, headers: { 'x-hubspot-request-timestamp': undefined } }, /is required/],
      ['in seconds', { body, headers: { 'x-hubspot-request-timestamp': String(Math.floor(Date.now() / 1000)) } }, /does not match/],
    ];
    for (const [why, call, message] of refusals) {
      const result = await hubspot(call);
      expect(result.status, why).toBe(401);
      expect(result.body, why).toEqual({ error: 'SignatureInvalid', message: expect.stringMatching(message) });
    }
    // A wrong signature learns nothing about leads either. (A body that is not JSON at all is refused by the shared parser first, 400.)
    expect((await hubspot({ body: { speed_to_lead_id: '00000000-0000-4000-8000-000000000000', dealstage: 'closedwon' }, secret: 'not-the-client-secret' })).status).toBe(401);
    await untouched(leadId);
    expect((await store.leads.getLead(leadId))?.pipeline).toBeUndefined();
  });

  it('signed, but 400 naming the field for a body it cannot use, and 404 for a lead it does not know', async () => {
    expect(await hubspot({ body: { dealstage: 'closedwon' } })).toMatchObject({ status: 400, body: { issues: [{ path: 'speed_to_lead_id' }] } });
    expect(await hubspot({ body: { email: 'nobody@example.com', firstname: 'Nobody' } })).toMatchObject({ status: 400, body: { issues: [{ path: '(body)' }] } });
    expect(await hubspot({ body: '{not json' })).toMatchObject({ status: 400, body: { issues: [{ path: '(body)', message: 'must be valid JSON' }] } });
    expect(await hubspot({ body: { email: uniqueEmail('nobody'), hs_lead_status: 'CONNECTED' } })).toEqual({ status: 404, body: { error: 'LeadNotFound', message: 'No such lead' } });
    expect(await hubspot({ body: { speed_to_lead_id: 'x'.repeat(500), dealstage: 'closedwon' } })).toMatchObject({ status: 404 });
  });
});

describe("POST /crm/pipedrive: Pipedrive's deal webhooks (v2), with the webhook's HTTP Basic auth", () => {
  /** `null`: no Authorization header at all. */
  const pipedrive = async (body: unknown, authorization: string | null = `Basic ${Buffer.from(`${stack.pipedriveCredentials.user}:${stack.pipedriveCredentials.password}`).toString('base64')}`) => {
    const response = await fetch(`${stack.apiUrl}/crm/pipedrive`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  let eventNumber = 0;
  const dealEvent = (leadId: string | undefined, data: Record<string, unknown>) => ({
    meta: { action: 'change', entity: 'deal', version: '2.0', id: `event-${Date.now()}-${++eventNumber}`, entity_id: '7', timestamp: Math.floor(Date.now() / 1000), attempt: 1 },
    data: { id: 7, value: 18_000, currency: 'EUR', status: 'open', update_time: new Date().toISOString(), custom_fields: leadId ? { speed_to_lead_id: { type: 'varchar', value: leadId } } : {}, ...data },
    previous: null,
  });

  it("records the lead's deal as it moves to won, once per event, and acknowledges deals that are not our leads", async () => {
    const { leadId } = await newLead();
    expect((await pipedrive(dealEvent(leadId, { update_time: '2026-11-10T09:00:00Z' }))).body).toEqual({ leadId, pipeline: { stage: 'opportunity', stageAt: '2026-11-10T09:00:00.000Z', amount: 18_000, currency: 'EUR', changed: true } });
    const won = dealEvent(leadId, { status: 'won', value: 17_500, update_time: '2026-11-28T15:00:00Z' });
    expect((await pipedrive(won)).body.pipeline).toMatchObject({ stage: 'won', amount: 17_500, changed: true });
    // Pipedrive's retry of the same event (its attempt 2) changes nothing.
    expect((await pipedrive({ ...won, meta: { ...won.meta, attempt: 2 } })).body.pipeline).toMatchObject({ stage: 'won', changed: false });
    expect((await store.leads.getLead(leadId))?.pipeline).toMatchObject({ stage: 'won', opportunityAt: '2026-11-10T09:00:00.000Z', source: 'pipedrive' });

    expect(await pipedrive(dealEvent(undefined, { status: 'won' }))).toEqual({ status: 200, body: { ignored: expect.stringContaining('not one of our leads') } });
    expect((await pipedrive(dealEvent('00000000-0000-4000-8000-000000000000', { status: 'won' }))).status).toBe(404);
  });

  it('is refused with 401 for a wrong, missing or malformed Authorization, before the body is read; 400 naming the field', async () => {
    const { leadId } = await newLead();
    const event = dealEvent(leadId, { status: 'won' });
    const wrong = `Basic ${Buffer.from(`${stack.pipedriveCredentials.user}:guess`).toString('base64')}`;
    for (const authorization of [wrong, null, 'Bearer token', `Basic ${Buffer.from('speed-to-lead').toString('base64')}`]) {
      const result = await pipedrive(event, authorization);
      expect(result.status, String(authorization)).toBe(401);
      expect(result.body.error).toBe('SignatureInvalid');
    }
    expect((await pipedrive({ meta: {} }, wrong)).status).toBe(401);
    expect((await store.leads.getLead(leadId))?.pipeline).toBeUndefined();
    expect(await pipedrive({ data: {} })).toMatchObject({ status: 400, body: { issues: [{ path: 'meta' }] } });
  });
});

describe("POST /crm/salesforce: Salesforce's outbound messages (SOAP), to the URL with the stack's token", () => {
  const salesforce = async (body: Buffer | string, token: string | null = stack.salesforceToken, contentType = 'text/xml; charset=utf-8') => {
    const response = await fetch(`${stack.apiUrl}/crm/salesforce${token === null ? '' : `?token=${encodeURIComponent(token)}`}`, { method: 'POST', headers: { 'content-type': contentType, soapaction: '""' }, body });
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  };

  it('records each opportunity of our leads, acknowledges every notification (ours or not), and a resend changes nothing', async () => {
    const { leadId } = await newLead();
    const message = outboundMessage([
      { id: '04l5e00000Gx7QzAAJ', fields: { Speed_to_Lead_Id__c: leadId, StageName: 'Closed Won', IsWon: 'true', IsClosed: 'true', Amount: '30000.0', CurrencyIsoCode: 'USD', LastModifiedDate: '2026-11-30T12:00:00.000Z' } },
      // Sent before the win, arriving after it: it only says when the opportunity began.
      { id: '04l5e00000Gx7R0AAJ', fields: { Speed_to_Lead_Id__c: leadId, StageName: 'Proposal/Price Quote', Amount: '28000.0', CurrencyIsoCode: 'USD', LastModifiedDate: '2026-11-20T12:00:00.000Z' } },
      { id: '04l5e00000Gx7R1AAJ', fields: { StageName: 'Closed Won' } },
      { id: '04l5e00000Gx7R2AAJ', fields: { Speed_to_Lead_Id__c: '00000000-0000-4000-8000-000000000000', StageName: 'Closed Won' } },
    ]);
    const answer = await salesforce(message);
    expect(answer.status).toBe(200);
    expect(answer.type).toMatch(/^text\/xml/);
    expect(answer.text).toContain('<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse>');
    expect((await store.leads.getLead(leadId))?.pipeline).toMatchObject({ stage: 'won', amount: 30_000, currency: 'USD', opportunityAt: '2026-11-20T12:00:00.000Z', source: 'salesforce', deliveries: ['salesforce:04l5e00000Gx7QzAAJ', 'salesforce:04l5e00000Gx7R0AAJ'] });

    expect((await salesforce(message)).status).toBe(200);
    const lead = (await store.leads.getLead(leadId))!;
    expect(lead.pipelineRevision).toBe(2);
    expect((await store.leads.listEvents(leadId)).filter((e) => e.type.startsWith('pipeline-')).map((e) => e.type).sort()).toEqual(['pipeline-opportunity', 'pipeline-won']);
  });

  it('is refused with 401 without the token or with another, before the XML is read; 400 for what is not an outbound message; 415 for JSON', async () => {
    const { leadId } = await newLead();
    const message = outboundMessage([{ id: '04l5e00000Gx7QzAAJ', fields: { Speed_to_Lead_Id__c: leadId, StageName: 'Closed Won' } }]);
    for (const token of [null, '', 'a-guess', `${stack.salesforceToken}x`]) {
      const answer = await salesforce(message, token);
      expect(answer.status, String(token)).toBe(401);
    }
    expect((await salesforce('<not xml', 'a-guess')).status).toBe(401);
    expect((await store.leads.getLead(leadId))?.pipeline).toBeUndefined();
    expect(JSON.parse((await salesforce('<Envelope><Body/></Envelope>')).text)).toMatchObject({ error: 'ValidationError', issues: [{ path: 'Envelope.Body.notifications' }] });
    expect((await salesforce(message, stack.salesforceToken, 'application/json')).status).toBe(415);
  });
});

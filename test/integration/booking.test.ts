import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCalcomWebhook, signCalendlyWebhook } from '@domain/booking-signature';
import { loadConfig } from '../../lib/config';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { emailsTo, waitForEmails } from '../support/inbox';
import { slackConfig, waitForPosts } from '../support/slack';
import { executionArnOf, hotLead, postLead, uniqueEmail, warmLead } from '../support/leads';
import { storeOf } from '../support/store';

/**
 * Meetings booked on the thank-you come back as the scheduling tools send them: Cal.com's and
 * Calendly's webhooks, signed as each signs them, to the local API, recorded by the booking
 * function on the emulators, with the workflow CDK synthesizes running the lead's sequence.
 */
let stack: LocalStack;
let store: ReturnType<typeof storeOf>;
const DAY_IN_5_S = 17_280;

beforeAll(async () => {
  // A simulated day in 5 s: a booking lands long before the day-1 follow-up. Every lead goes
  // to Ana, who wants her alerts by email and in Slack.
  const config = slackConfig(loadConfig('dev'), 'both');
  const ana = { tool: 'calcom' as const, url: 'https://cal.com/ana-alves/30min' };
  stack = await startLocalStack({ timeScale: DAY_IN_5_S, config: { ...config, reps: config.reps.map((rep) => (rep.id === 'rep-ana' ? { ...rep, scheduling: ana } : rep)) } });
  store = storeOf(stack);
});

afterAll(async () => {
  await stack?.close();
});

/** A hot lead once routing gave it an owner and its confirmation went (the lead is on the thank-you by then). */
async function routedLead() {
  const email = uniqueEmail('dana');
  const { body } = await postLead(stack, hotLead(email));
  const leadId = body.leadId as string;
  for (const deadline = Date.now() + 20_000; ; ) {
    const lead = await store.leads.getLead(leadId);
    if (lead?.ownerEmail && lead.steps.confirmation?.status === 'sent') return { leadId, email, ownerEmail: lead.ownerEmail, ownerId: lead.ownerId! };
    if (Date.now() > deadline) throw new Error(`Lead ${leadId} was not routed`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const inTwoDays = () => new Date(Math.ceil((Date.now() + 2 * 86_400_000) / 3_600_000) * 3_600_000).toISOString();

/** A Cal.com webhook body as Cal.com sends it (`{triggerEvent, createdAt, payload}`), the booking's metadata carrying the lead id. */
function calcomBody(leadId: string | undefined, hostEmail: string, options: { trigger?: string; createdAt?: string; uid?: string; startTime?: string; drop?: string } = {}) {
  const payload: Record<string, unknown> = {
    type: '30min',
    title: '30 min between Ana Alves and Dana Director',
    uid: options.uid ?? `bk_${Math.random().toString(36).slice(2)}`,
    startTime: options.startTime ?? inTwoDays(),
    endTime: options.startTime ?? inTwoDays(),
    organizer: { name: 'Rep', email: hostEmail, timeZone: 'Europe/Berlin' },
    attendees: [{ name: 'Dana Director', email: 'dana@acme.io', timeZone: 'Europe/Berlin' }],
    responses: { name: { value: 'Dana Director' }, email: { value: 'dana@acme.io' } },
    metadata: leadId ? { leadId } : {},
    status: 'ACCEPTED',
  };
  if (options.drop) delete payload[options.drop];
  return JSON.stringify({ triggerEvent: options.trigger ?? 'BOOKING_CREATED', createdAt: options.createdAt ?? new Date().toISOString(), payload });
}

/** `null`: no signature header at all. */
async function postCalcom(body: string, signature: string | null = signCalcomWebhook(body, stack.calcomWebhookSecret)) {
  const response = await fetch(`${stack.apiUrl}/booking/calcom`, { method: 'POST', headers: { 'content-type': 'application/json', ...(signature ? { 'x-cal-signature-256': signature } : {}) }, body });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** Calendly's invitee.created / invitee.canceled, the lead id in the invitee's tracking (utm_content). */
function calendlyBody(leadId: string, hostEmail: string, options: { event?: string; uri?: string; rescheduled?: boolean } = {}) {
  return JSON.stringify({
    event: options.event ?? 'invitee.created',
    created_at: new Date().toISOString(),
    created_by: 'https://api.calendly.com/users/AAAA',
    payload: {
      uri: options.uri ?? `https://api.calendly.com/scheduled_events/EV${Math.random().toString(36).slice(2)}/invitees/IN1`,
      email: 'dana@acme.io',
      name: 'Dana Director',
      rescheduled: options.rescheduled ?? false,
      scheduled_event: { start_time: inTwoDays(), end_time: inTwoDays(), event_memberships: [{ user: 'https://api.calendly.com/users/AAAA', user_email: hostEmail }] },
      tracking: { utm_campaign: null, utm_source: null, utm_medium: null, utm_content: leadId, utm_term: null, salesforce_uuid: null },
    },
  });
}

async function postCalendly(body: string, signature: string | null = signCalendlyWebhook(body, Math.floor(Date.now() / 1000), stack.calendlySigningKey)) {
  const response = await fetch(`${stack.apiUrl}/booking/calendly`, { method: 'POST', headers: { 'content-type': 'application/json', ...(signature ? { 'calendly-webhook-signature': signature } : {}) }, body });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function untouched(leadId: string) {
  const lead = await store.leads.getLead(leadId);
  expect(lead?.contactedAt).toBeUndefined();
  expect(lead?.meeting).toBeUndefined();
  expect((await store.leads.listEvents(leadId)).filter((e) => e.type.startsWith('meeting-') || e.type === 'contacted')).toEqual([]);
}

describe('a meeting booked in Cal.com', () => {
  it('counts as first contact at the booking, stops the follow-ups, and the timeline says when the meeting is', async () => {
    const { leadId, email, ownerEmail, ownerId } = await routedLead();
    const createdAt = new Date().toISOString();
    const startTime = '2026-12-08T09:30:00.000Z';
    const body = calcomBody(leadId, ownerEmail.toUpperCase(), { createdAt, startTime });
    const answer = await postCalcom(body);
    expect(answer).toEqual({ status: 200, body: { recorded: true, leadId, change: 'booked', startsAt: startTime } });

    const lead = await store.leads.getLead(leadId);
    expect(lead).toMatchObject({ status: 'contacted', contactedAt: createdAt, contactedBy: ownerId, outcome: 'contacted', firstResponse: { via: 'booking', actor: 'booking:calcom' } });
    expect(lead?.meeting).toEqual({ tool: 'calcom', bookingId: JSON.parse(body).payload.uid, startsAt: startTime, status: 'booked', at: createdAt });
    const events = await store.leads.listEvents(leadId);
    // 09:30 UTC on Tuesday 8 December is 10:30 in Berlin, the stage's zone.
    expect(events.find((e) => e.type === 'meeting-booked')).toEqual({ type: 'meeting-booked', at: createdAt, actor: 'booking:calcom', detail: { for: 'Tue 10:30 (Europe/Berlin)', startsAt: startTime, tool: 'calcom' } });
    expect(events.find((e) => e.type === 'contacted')).toMatchObject({ at: createdAt, actor: 'booking:calcom', detail: { via: 'booking' } });

    // The sequence ends without a single follow-up: only the confirmation reached the lead.
    expect((await stack.runner.waitFor(executionArnOf(stack, leadId))).status).toBe('SUCCEEDED');
    expect(await emailsTo(stack.sesUrl, email)).toHaveLength(1);
    expect((await store.leads.listEvents(leadId)).map((e) => e.type).filter((type) => type.startsWith('follow-up'))).toEqual([]);
  });

  it('a booking before minute 5 turns the rep\'s "call now" alert into "meeting booked", by email and in Slack', async () => {
    stack.runner.setTimeScale(50); // 5 simulated minutes take 6 real seconds: time to book
    try {
      const { leadId, ownerEmail } = await routedLead();
      const startTime = '2026-12-08T09:30:00.000Z';
      expect((await postCalcom(calcomBody(leadId, ownerEmail, { startTime }))).status).toBe(200);
      const about = <E extends { body: { text?: string } }>(emails: E[]) => emails.filter((e) => e.body.text?.includes(leadId));
      const [alert] = about(await waitForEmails(stack.sesUrl, ownerEmail, (emails) => about(emails).length > 0));
      const [post] = await waitForPosts(stack, leadId, (posts) => posts.length > 0);
      expect(alert!.subject).toBe('Meeting booked: Dana Director at Acme (score ' + (await store.leads.getLead(leadId))!.score + ')');
      expect(alert!.body.text).toContain('booked a meeting with you for Tue 10:30 (Europe/Berlin) on the thank-you page: no need to call now');
      expect(alert!.body.text).not.toContain('has not been contacted yet');
      expect(post!.text).toContain('Meeting booked: hot lead Dana Director');
      expect(JSON.stringify(post!.blocks)).toContain('Booked a meeting with you for Tue 10:30 (Europe/Berlin)');
      expect(JSON.stringify(post!.blocks)).not.toContain('not contacted yet');
    } finally {
      stack.runner.setTimeScale(DAY_IN_5_S);
    }
  });

  it('refuses a forged, unsigned, stale or replayed booking with 401, and records nothing', async () => {
    const { leadId, ownerEmail } = await routedLead();
    const body = calcomBody(leadId, ownerEmail);
    const forged = await postCalcom(body, signCalcomWebhook(body, 'not-the-webhook-secret-0123'));
    expect(forged.status).toBe(401);
    expect(forged.body.message).toContain('X-Cal-Signature-256 does not match');
    expect((await postCalcom(body, null)).status).toBe(401);
    expect((await postCalcom(body, 'no-secret-provided')).status).toBe(401);
    const stale = await postCalcom(calcomBody(leadId, ownerEmail, { createdAt: new Date(Date.now() - 10 * 60_000).toISOString() }));
    expect(stale.status).toBe(401);
    expect(stale.body.message).toContain('more than 5 minutes');
    await untouched(leadId);

    // The same signed bytes again are a replay: refused, and the meeting recorded once.
    expect((await postCalcom(body)).status).toBe(200);
    const replayed = await postCalcom(body);
    expect(replayed.status).toBe(401);
    expect(replayed.body.message).toContain('received before');
    expect((await store.leads.listEvents(leadId)).filter((e) => e.type === 'meeting-booked')).toHaveLength(1);
  });

  it('answers 200 without recording a booking for an unknown lead, none, or another rep\'s calendar', async () => {
    const { leadId, ownerEmail } = await routedLead();
    const otherRep = stack.config.reps.find((rep) => rep.email !== ownerEmail)!.email;
    expect((await postCalcom(calcomBody('no-such-lead', ownerEmail))).body).toEqual({ recorded: false, reason: 'unknown-lead' });
    expect((await postCalcom(calcomBody(undefined, ownerEmail))).body).toEqual({ recorded: false, reason: 'no-lead-id' });
    expect(await postCalcom(calcomBody(leadId, otherRep))).toEqual({ status: 200, body: { recorded: false, reason: 'another-rep' } });
    // Triggers that are not a booking's life are answered and ignored.
    expect((await postCalcom(calcomBody(leadId, ownerEmail, { trigger: 'MEETING_ENDED' }))).body).toEqual({ recorded: false, reason: 'trigger MEETING_ENDED' });
    await untouched(leadId);
  });

  it('refuses a signed booking it cannot read with 400 naming the field', async () => {
    const { leadId, ownerEmail } = await routedLead();
    const noStart = await postCalcom(calcomBody(leadId, ownerEmail, { drop: 'startTime' }));
    expect(noStart.status).toBe(400);
    expect(noStart.body.issues).toEqual([expect.objectContaining({ path: 'payload.startTime' })]);
    const notJson = await postCalcom('{"triggerEvent":');
    expect(notJson.status).toBe(400);
    expect(notJson.body.issues).toEqual([{ path: '(body)', message: 'must be valid JSON' }]);
    await untouched(leadId);
  });

  it('a cancellation marks the meeting cancelled and says so on the timeline', async () => {
    const { leadId, ownerEmail } = await routedLead();
    const uid = 'bk_to_cancel';
    await postCalcom(calcomBody(leadId, ownerEmail, { uid }));
    // A cancellation of some other booking of the lead's changes nothing.
    expect((await postCalcom(calcomBody(leadId, ownerEmail, { uid: 'bk_other', trigger: 'BOOKING_CANCELLED' }))).body).toEqual({ recorded: false, reason: 'not-the-current-meeting' });
    expect((await postCalcom(calcomBody(leadId, ownerEmail, { uid, trigger: 'BOOKING_CANCELLED' }))).body).toMatchObject({ recorded: true, change: 'cancelled' });
    expect((await store.leads.getLead(leadId))?.meeting).toMatchObject({ bookingId: uid, status: 'cancelled' });
    expect((await store.leads.listEvents(leadId)).map((e) => e.type).filter((type) => type.startsWith('meeting-'))).toEqual(['meeting-booked', 'meeting-cancelled']);
  });
});

describe('a meeting booked in Calendly', () => {
  it('is recorded as Cal.com\'s is, matched by the tracking it carried', async () => {
    const { leadId, ownerEmail, ownerId } = await routedLead();
    const answer = await postCalendly(calendlyBody(leadId, ownerEmail));
    expect(answer).toMatchObject({ status: 200, body: { recorded: true, leadId, change: 'booked' } });
    expect(await store.leads.getLead(leadId)).toMatchObject({ status: 'contacted', contactedBy: ownerId, firstResponse: { via: 'booking', actor: 'booking:calendly' }, meeting: { tool: 'calendly', status: 'booked' } });
    // The cancellation half of a reschedule is not a cancellation.
    expect((await postCalendly(calendlyBody(leadId, ownerEmail, { event: 'invitee.canceled', rescheduled: true }))).body).toMatchObject({ recorded: false });
  });

  it('refuses a forged, unsigned, stale or replayed delivery with 401, and records nothing', async () => {
    const { leadId, ownerEmail } = await routedLead();
    const body = calendlyBody(leadId, ownerEmail);
    const now = Math.floor(Date.now() / 1000);
    expect((await postCalendly(body, signCalendlyWebhook(body, now, 'not-the-signing-key-0123'))).status).toBe(401);
    expect((await postCalendly(body, null)).status).toBe(401);
    const stale = await postCalendly(body, signCalendlyWebhook(body, now - 6 * 60, stack.calendlySigningKey));
    expect(stale.status).toBe(401);
    expect(stale.body.message).toContain('more than 5 minutes');
    await untouched(leadId);
    const signature = signCalendlyWebhook(body, now, stack.calendlySigningKey);
    expect((await postCalendly(body, signature)).status).toBe(200);
    expect((await postCalendly(body, signature)).status).toBe(401);
    expect((await store.leads.listEvents(leadId)).filter((e) => e.type === 'meeting-booked')).toHaveLength(1);
  });
});

describe('the offer on the thank-you', () => {
  /** What the form script does: ask until the lead is routed. */
  async function offerOf(leadId: string) {
    for (const deadline = Date.now() + 20_000; ; ) {
      const response = await fetch(`${stack.apiUrl}/leads/${leadId}/booking`, { headers: { origin: 'http://localhost:3000' } });
      const body = (await response.json()) as Record<string, any>;
      if (response.status !== 200 || body.status !== 'pending') return { status: response.status, body, cors: response.headers.get('access-control-allow-origin') };
      if (Date.now() > deadline) throw new Error(`Lead ${leadId} was never routed`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it("offers a hot lead its owner's own page, by first name, with the lead's name and email filled in and its id carried", async () => {
    const email = uniqueEmail('dana');
    const { body } = await postLead(stack, hotLead(email));
    const offer = await offerOf(body.leadId);
    expect(offer.status).toBe(200);
    expect(offer.cors).toBe('http://localhost:3000');
    expect(offer.body).toEqual({ status: 'offer', ownerName: 'Ana', url: expect.any(String) });
    const url = new URL(offer.body.url);
    expect(`${url.origin}${url.pathname}`).toBe('https://cal.com/ana-alves/30min');
    expect(Object.fromEntries(url.searchParams)).toEqual({ name: 'Dana Director', email, 'metadata[leadId]': body.leadId });
  });

  it('offers a warm lead nothing, and tells an unknown lead id nothing', async () => {
    const { body } = await postLead(stack, warmLead(uniqueEmail('wes')));
    expect(await offerOf(body.leadId)).toMatchObject({ status: 200, body: { status: 'none' } });
    expect((await offerOf('00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});

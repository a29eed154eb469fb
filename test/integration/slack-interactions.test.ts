import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { emailsTo, waitForEmails } from '../support/inbox';
import { executionArnOf, hotLead, postLead, uniqueEmail } from '../support/leads';
import { clickPayload, DACH_CHANNEL, postsAbout as slackPostsAbout, formOf, postInteraction, slackConfig, waitForPosts } from '../support/slack';
import { storeOf } from '../support/store';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SmsTextMessenger } from '@adapters/sms-text-messenger';
import { asFunction } from '../../local/iam';

/**
 * The hot-lead alert in Slack, end to end on the local stack: the workflow CDK synthesizes posts
 * it through the real @slack/web-api to the Slack stand-in, the stand-in's clicks (signed as
 * Slack signs them) reach POST /slack/interactions, and the answer lands on the lead.
 * Every rep here wants Slack only, so an email to the rep means Slack failed. Ana also takes
 * her hot-lead alerts as texts (smsAlertsTo in the dev config), on the SMS stand-in.
 */
let stack: LocalStack;
let store: ReturnType<typeof storeOf>;
let ana: string;

beforeAll(async () => {
  // A simulated day in 5 s: a click lands long before the day-1 follow-up.
  stack = await startLocalStack({ timeScale: 17_280, config: slackConfig(loadConfig('dev'), 'slack') });
  store = storeOf(stack);
  ana = stack.slack.userIdOf('ana@example.com');
});

afterAll(async () => {
  await stack?.close();
});

/** A hot lead and its Slack alert (to Ana, the only rep of the pool). */
async function alertedLead(lead: Record<string, unknown> = {}) {
  const email = uniqueEmail('dana');
  const { body } = await postLead(stack, { ...hotLead(email), ...lead });
  const leadId = body.leadId as string;
  const [alert] = await waitForPosts(stack, leadId, (posts) => posts.length > 0);
  return { leadId, email, alert: alert! };
}

const answers = (events: Array<{ type: string }>) => events.filter((e) => ['contacted', 'accepted', 'rejected'].includes(e.type));

async function untouched(leadId: string) {
  const lead = await store.leads.getLead(leadId);
  expect(lead?.contactedAt).toBeUndefined();
  expect(lead?.outcome).toBeUndefined();
  expect(answers(await store.leads.listEvents(leadId))).toEqual([]);
}

/** The lead's timeline once its alert step recorded the alert as sent (after the message or the email went). */
async function eventsOnceAlerted(leadId: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const events = await store.leads.listEvents(leadId);
    if (events.some((e) => e.type === 'hot-alert-sent')) return events;
    if (Date.now() > deadline) throw new Error(`No hot-alert-sent on lead ${leadId}: ${events.map((e) => e.type).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const textOf = (blocks: Array<Record<string, any>>) => JSON.stringify(blocks);
const postsAbout = (leadId: string) => slackPostsAbout(stack, leadId);

describe('the hot-lead alert in Slack', () => {
  it('goes to the rep at minute 5 with who, why this lead, why you, what now and the buttons; no email when Slack took it', async () => {
    const { leadId, alert } = await alertedLead();
    expect(alert.user).toBe(ana);
    expect(alert.text).toContain('Hot lead Dana Director at Acme');
    const text = textOf(alert.blocks);
    for (const part of ['*Who:* Dana Director, Director of Sales, Acme', '*Why this lead:* score', '*Why you:*', '*What now:*']) expect(text).toContain(part);
    const actions = alert.blocks.find((block) => block.type === 'actions')!;
    expect(actions.elements.map((e: any) => e.action_id)).toEqual(['lead-contacted', 'lead-accepted', 'lead-rejected', 'lead-open']);
    expect(actions.elements[2].options.map((o: any) => o.value)).toEqual(['no-budget', 'wrong-role', 'bad-fit', 'no-timeline', 'duplicate', 'spam', 'other']);
    expect(actions.elements[3].url).toBe(`${stack.apiUrl}/app/#/leads/${leadId}`);

    const events = await eventsOnceAlerted(leadId);
    expect(events.find((e) => e.type === 'slack-posted')?.detail).toMatchObject({ step: 'hot-alert', channel: alert.channel, ts: alert.ts });
    expect((await store.leads.getLead(leadId))?.steps['hot-alert']?.messageId).toBe(`slack:${alert.channel}/${alert.ts}`);
    expect(await emailsTo(stack.sesUrl, 'ana@example.com').then((emails) => emails.filter((e) => e.subject.includes('Dana Director') && e.body.text?.includes(leadId)))).toEqual([]);
  });

  it("the team lead's notice of a hot lead past its SLA goes to Slack too, to read (only Open in the app)", async () => {
    const { leadId } = await alertedLead();
    const tess = stack.slack.userIdOf('tess@example.com');
    const posts = await waitForPosts(stack, leadId, (found) => found.some((post) => post.user === tess));
    const notice = posts.find((post) => post.user === tess)!;
    expect(notice.text).toContain('Hot lead not contacted in 15 minutes: Dana Director at Acme');
    expect(notice.blocks.find((block) => block.type === 'actions')!.elements.map((e: any) => e.action_id)).toEqual(['lead-open']);
  });

  it("a click on Contacted records the rep's response, updates the message without buttons, and stops the follow-ups", async () => {
    const { leadId, email, alert } = await alertedLead();
    const clicked = await stack.slack.click({ channel: alert.channel, ts: alert.ts, actionId: 'lead-contacted' });
    expect(clicked.status).toBe(200);

    const lead = await store.leads.getLead(leadId);
    expect(lead).toMatchObject({ status: 'contacted', outcome: 'contacted', contactedBy: 'rep-ana', firstResponse: { via: 'slack', actor: 'rep:rep-ana' } });
    const contacted = answers(await store.leads.listEvents(leadId));
    expect(contacted).toEqual([{ type: 'contacted', at: lead!.contactedAt, actor: 'rep:rep-ana', detail: { via: 'slack' } }]);

    const [updated] = await waitForPosts(stack, leadId, (posts) => posts[0]!.updates > 0);
    expect(updated!.blocks.some((block) => block.type === 'actions')).toBe(false);
    expect(textOf(updated!.blocks)).toContain('Ana Alves marked it contacted in Slack');
    expect(textOf(updated!.blocks)).toContain('*Who:* Dana Director');

    // The sequence ends without a single follow-up: only the confirmation reached the lead.
    const execution = await stack.runner.waitFor(executionArnOf(stack, leadId));
    expect(execution.status).toBe('SUCCEEDED');
    expect((await emailsTo(stack.sesUrl, email)).map((e) => e.subject)).toHaveLength(1);
    expect((await store.leads.listEvents(leadId)).map((e) => e.type).filter((type) => type.startsWith('follow-up'))).toEqual([]);
  });

  it('Reject takes the reason picked in the list', async () => {
    const { leadId, alert } = await alertedLead();
    expect((await stack.slack.click({ channel: alert.channel, ts: alert.ts, actionId: 'lead-rejected', selected: 'no-budget' })).status).toBe(200);
    expect(await store.leads.getLead(leadId)).toMatchObject({ outcome: 'rejected', rejectReason: 'no-budget', firstResponse: { via: 'slack', reason: 'no-budget' } });
    const [updated] = await waitForPosts(stack, leadId, (posts) => posts[0]!.updates > 0);
    expect(textOf(updated!.blocks)).toContain('Ana Alves rejected it (No budget) in Slack');
  });

  it("a click by someone who is not the lead's rep or the team lead is refused in a note only they see, and changes nothing", async () => {
    const { leadId, alert } = await alertedLead();
    const stranger = stack.slack.userIdOf('mallory@example.com');
    expect((await stack.slack.click({ channel: alert.channel, ts: alert.ts, actionId: 'lead-contacted', user: stranger })).status).toBe(200);
    await untouched(leadId);
    expect(stack.slack.ephemerals().filter((note) => note.user === stranger && note.channel === alert.channel).map((note) => note.text)).toEqual([
      "Only Ana Alves, the lead's rep, or the team lead can answer this lead: nothing was recorded.",
    ]);
    expect(stack.slack.messages().find((post) => post.ts === alert.ts)?.updates).toBe(0);
  });

  it('the team lead may answer any lead', async () => {
    const { leadId, alert } = await alertedLead();
    const tess = stack.slack.userIdOf('tess@example.com');
    expect((await stack.slack.click({ channel: alert.channel, ts: alert.ts, actionId: 'lead-accepted', user: tess })).status).toBe(200);
    expect(await store.leads.getLead(leadId)).toMatchObject({ outcome: 'accepted', firstResponse: { via: 'slack', actor: 'manager:tess@example.com' } });
  });

  it('a click on a lead answered before keeps that answer and shows it on the message', async () => {
    const { leadId, alert } = await alertedLead();
    await stack.slack.click({ channel: alert.channel, ts: alert.ts, actionId: 'lead-contacted' });
    // The same buttons again (another copy of the message, say): the answer that stands is shown.
    const again = await postInteraction(stack, { body: formOf(clickPayload(alert, ana, 'lead-rejected', 'spam')) });
    expect(again.status).toBe(200);
    expect(await store.leads.getLead(leadId)).toMatchObject({ outcome: 'contacted' });
    expect(answers(await store.leads.listEvents(leadId)).map((e) => e.type)).toEqual(['contacted']);
    const post = stack.slack.messages().find((p) => p.ts === alert.ts)!;
    expect(post.updates).toBe(2);
    expect(textOf(post.blocks)).toContain('Ana Alves marked it contacted in Slack');
  });

  it('a click on "Open in the app" is acknowledged and records nothing', async () => {
    const { leadId, alert } = await alertedLead();
    expect((await postInteraction(stack, { body: formOf(clickPayload(alert, ana, 'lead-open')) })).status).toBe(200);
    await untouched(leadId);
  });

  it('nothing a lead typed reaches Slack unescaped', async () => {
    const hostile = { name: '<!channel> Eve <https://evil.example|Click me> & co', company: '<@U0BOSS> Corp', message: 'Hi <!here>\n> quoted & <b>bold</b>' };
    const { alert } = await alertedLead(hostile);
    const text = `${alert.text}${textOf(alert.blocks)}`;
    for (const raw of ['<!channel>', '<!here>', '<https://evil.example', '<@U0BOSS>', '<b>', ' & co']) expect(text).not.toContain(raw);
    expect(alert.text).toContain('&lt;!channel&gt; Eve &lt;https://evil.example|Click me&gt; &amp; co');
    expect(textOf(alert.blocks)).toContain('&lt;@U0BOSS&gt; Corp');
    expect(textOf(alert.blocks)).toContain('&gt; quoted &amp; &lt;b&gt;bold&lt;/b&gt;');
  });
});

describe('POST /slack/interactions refuses what Slack did not sign, and records nothing', () => {
  // One alerted lead for the refusals (none of them may change it); the replay, which records, has its own.
  let refused: Promise<{ leadId: string; body: string }> | undefined;
  /** A genuine click's body for the lead, and the lead. */
  function click() {
    refused ??= alertedLead().then(({ leadId, alert }) => ({ leadId, body: formOf(clickPayload(alert, ana, 'lead-contacted')) }));
    return refused;
  }

  it('unsigned: 401', async () => {
    const { leadId, body } = await click();
    const result = await postInteraction(stack, { body, headers: { 'x-slack-signature': undefined, 'x-slack-request-timestamp': undefined } });
    expect(result.status).toBe(401);
    expect(JSON.parse(result.body)).toMatchObject({ error: 'SignatureInvalid', message: expect.stringContaining('X-Slack-Signature is required') });
    await untouched(leadId);
  });

  it('wrongly signed (another secret, or a body changed after signing): 401', async () => {
    const { leadId, body } = await click();
    expect((await postInteraction(stack, { body, secret: 'not-the-signing-secret-0123' })).status).toBe(401);
    expect((await postInteraction(stack, { body, signedBody: body.replace('lead-contacted', 'lead-accepted') })).status).toBe(401);
    await untouched(leadId);
  });

  it('stale (signed more than 5 minutes ago): 401', async () => {
    const { leadId, body } = await click();
    const result = await postInteraction(stack, { body, timestamp: Math.floor(Date.now() / 1000) - 5 * 60 - 5 });
    expect(result.status).toBe(401);
    expect(JSON.parse(result.body).message).toContain('more than 5 minutes');
    await untouched(leadId);
  });

  it('replayed (the same signed request again): 401, and the replay records nothing', async () => {
    const { leadId, alert } = await alertedLead();
    const body = formOf(clickPayload(alert, ana, 'lead-contacted'));
    const timestamp = Math.floor(Date.now() / 1000);
    expect((await postInteraction(stack, { body, timestamp })).status).toBe(200);
    const before = await store.leads.listEvents(leadId);
    const replay = await postInteraction(stack, { body, timestamp });
    expect(replay.status).toBe(401);
    expect(JSON.parse(replay.body).message).toContain('received before');
    expect(await store.leads.listEvents(leadId)).toEqual(before);
  });

  it('a malformed payload, signed: 400 naming what is wrong, never a 5xx', async () => {
    const { leadId } = await click();
    for (const [body, path] of [
      ['nothing=here', 'payload'],
      [formOf('{not json'), 'payload'],
      [formOf({ type: 'view_submission', user: { id: ana }, actions: [] }), 'type'],
      [formOf({ type: 'block_actions', actions: [{ action_id: 'lead-contacted', block_id: `lead:${leadId}` }] }), 'user'],
      [formOf({ type: 'block_actions', user: { id: ana }, actions: [{ action_id: 'lead-contacted', block_id: 'elsewhere' }] }), 'actions.0.block_id'],
    ] as const) {
      const result = await postInteraction(stack, { body });
      expect(result.status, body).toBe(400);
      expect(JSON.parse(result.body).issues.map((issue: { path: string }) => issue.path), body).toContain(path);
    }
    await untouched(leadId);
  });
});

describe("a pool's channel", () => {
  it("sees every hot lead of its pool beside the rep's own alert; the rep answers from it, anyone else there is refused", async () => {
    const { leadId } = await alertedLead({ country: 'DE' });
    const posts = await waitForPosts(stack, leadId, (found) => found.some((post) => post.channel === DACH_CHANNEL));
    const inChannel = posts.find((post) => post.channel === DACH_CHANNEL)!;
    expect(posts.find((post) => post.user === ana)).toBeDefined();
    expect(inChannel.text).toContain('Hot lead Dana Director at Acme');
    expect(inChannel.blocks.find((block) => block.type === 'actions')!.elements.map((e: any) => e.action_id)).toEqual(['lead-contacted', 'lead-accepted', 'lead-rejected', 'lead-open']);
    const events = await eventsOnceAlerted(leadId);
    expect(events.filter((e) => e.type === 'slack-posted').map((e) => e.detail)).toEqual([
      expect.objectContaining({ step: 'hot-alert', channel: posts.find((post) => post.user === ana)!.channel }),
      expect.objectContaining({ step: 'hot-alert', channel: DACH_CHANNEL, pool: true }),
    ]);

    const colleague = stack.slack.userIdOf('ben@example.com');
    await stack.slack.click({ channel: DACH_CHANNEL, ts: inChannel.ts, actionId: 'lead-contacted', user: colleague });
    await untouched(leadId);
    expect(stack.slack.ephemerals().filter((note) => note.user === colleague && note.channel === DACH_CHANNEL)).toHaveLength(1);

    expect((await stack.slack.click({ channel: DACH_CHANNEL, ts: inChannel.ts, actionId: 'lead-contacted', user: ana })).status).toBe(200);
    expect(await store.leads.getLead(leadId)).toMatchObject({ outcome: 'contacted', contactedBy: 'rep-ana', firstResponse: { via: 'slack' } });
    const [updated] = (await waitForPosts(stack, leadId, (found) => found.some((post) => post.channel === DACH_CHANNEL && post.updates > 0))).filter((post) => post.channel === DACH_CHANNEL);
    expect(textOf(updated!.blocks)).toContain('Ana Alves marked it contacted in Slack');
  });

  it('a lead of a pool without one is posted to its rep only', async () => {
    const { leadId } = await alertedLead();
    await eventsOnceAlerted(leadId);
    expect(postsAbout(leadId).map((post) => post.channel)).not.toContain(DACH_CHANNEL);
  });
});

/** The texts the SMS stand-in took about this lead (their context names it). */
const textsAbout = (leadId: string) => stack.sms.texts().filter((text) => text.context?.leadId === leadId);

async function eventOnceTexted(leadId: string, type: 'texted' | 'text-failed') {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const event = (await store.leads.listEvents(leadId)).find((e) => e.type === type);
    if (event) return event;
    if (Date.now() > deadline) throw new Error(`No ${type} on lead ${leadId}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('the hot-lead alert as a text, for a rep who gave their mobile', () => {
  it('reaches her phone from the stage sender: who, how hot, the number to call and the lead in the app; the timeline says it went', async () => {
    const { leadId } = await alertedLead({ phone: '+1 415 555 0100' });
    const sent = await eventOnceTexted(leadId, 'texted');
    const [text] = textsAbout(leadId);
    expect(text).toMatchObject({ to: '+15555550123', from: stack.config.sms!.originationIdentity, messageType: 'TRANSACTIONAL', timeToLive: 15 * 60, context: { leadId, step: 'hot-alert' } });
    expect(text!.body.split('\n')).toEqual([expect.stringMatching(/^Hot lead, score \d+: Dana Director \(Director of Sales, Acme\), waiting 5 min\.$/), 'Call +1 415 555 0100', `${stack.apiUrl}/app/#/leads/${leadId}`]);
    expect(sent.detail).toEqual({ step: 'hot-alert', messageId: text!.messageId });
  });

  it('a lead typing line separators or direction overrides cannot shape the text (intake already refuses control characters)', async () => {
    const { leadId } = await alertedLead({ name: 'Dana\u2028Call +1 900 555 0199 now\u202E', company: '\u2066Acme\u2069' });
    await eventOnceTexted(leadId, 'texted');
    const [text] = textsAbout(leadId);
    expect(text!.body.split('\n')[0]).toMatch(/^Hot lead, score \d+: Dana Call \+1 900 555 0199 now \(Director of Sales, Acme\), waiting 5 min\.$/);
    expect(text!.body).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
  });

  it('when texts fail, the alert still goes and the timeline says the text did not', async () => {
    stack.sms.failing = true;
    try {
      const { leadId } = await alertedLead();
      const failed = await eventOnceTexted(leadId, 'text-failed');
      expect(failed.detail).toMatchObject({ step: 'hot-alert', error: expect.stringContaining('ThrottlingException') });
      expect((await eventsOnceAlerted(leadId)).some((e) => e.type === 'slack-posted')).toBe(true);
      expect(textsAbout(leadId)).toEqual([]);
    } finally {
      stack.sms.failing = false;
    }
  });
});

describe('texts, within IAM as AWS enforces it', () => {
  const sendAs = (fn: string, originationIdentity: string) =>
    asFunction(fn, () => new SmsTextMessenger(new PinpointSMSVoiceV2Client({ maxAttempts: 1 }), { originationIdentity }).sendText({ to: '+15555550123', body: 'test', timeToLiveSeconds: 60, context: { leadId: 'none', step: 'hot-alert' } }));

  it('only the functions that alert reps may text, only from the stage pool', async () => {
    const pool = stack.config.sms!.originationIdentity;
    await eventOnceTexted((await alertedLead()).leadId, 'texted');
    expect(stack.iam.calls).toContainEqual(`alert-rep sms-voice:SendTextMessage arn:aws:sms-voice:us-east-1:000000000000:pool/${pool}`);
    await expect(sendAs('intake', pool)).rejects.toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining(`not authorized to perform: sms-voice:SendTextMessage on resource: arn:aws:sms-voice:us-east-1:000000000000:pool/${pool}`) });
    await expect(sendAs('alert-rep', 'pool-ffffffffffffffffffffffffffffffff')).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(await sendAs('escalate-lead', pool)).toMatch(/^[0-9a-f-]{36}$/);
    stack.iam.denied.splice(0);
  });
});

describe('a click in Slack while a follow-up is being sent', () => {
  it('never lets a follow-up be claimed after the click', async () => {
    const leads = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const { leadId, email, alert } = await alertedLead();
        const submitted = Date.parse((await store.leads.getLead(leadId))!.submittedAt);
        // Day 1 is due 5 s (a simulated day) after submission: click somewhere around it.
        await new Promise((r) => setTimeout(r, Math.max(0, submitted + 4_850 + i * 60 - Date.now())));
        expect((await stack.slack.click({ channel: alert.channel, ts: alert.ts, actionId: 'lead-contacted' })).status).toBe(200);
        return { leadId, email, clickAnswered: new Date().toISOString() };
      }),
    );
    for (const { leadId, email, clickAnswered } of leads) {
      await stack.runner.waitFor(executionArnOf(stack, leadId));
      const lead = (await store.leads.getLead(leadId))!;
      const sentFollowUps = Object.entries(lead.steps).filter(([step, record]) => step.startsWith('follow-up-') && record?.status === 'sent');
      // A claim can only succeed before the click's write, which is before its answer.
      for (const [, record] of sentFollowUps) expect(record!.claimedAt < clickAnswered).toBe(true);
      expect((await emailsTo(stack.sesUrl, email)).length).toBe(1 + sentFollowUps.length);
      expect(sentFollowUps.length).toBeLessThanOrEqual(1);
      expect(lead).toMatchObject({ status: 'contacted', firstResponse: { via: 'slack' } });
    }
  });
});

describe('when Slack is down', () => {
  it('the alert goes by email, and the timeline says Slack failed', async () => {
    stack.slack.setDown(true);
    try {
      const email = uniqueEmail('dana');
      const { body } = await postLead(stack, hotLead(email));
      const leadId = body.leadId as string;
      const [alertEmail] = await waitForEmails(stack.sesUrl, 'ana@example.com', (emails) => emails.some((e) => e.body.text?.includes(leadId)));
      expect(alertEmail).toBeDefined();
      const events = await eventsOnceAlerted(leadId);
      expect(events.find((e) => e.type === 'slack-failed')?.detail).toMatchObject({ step: 'hot-alert', fallback: 'sent by email instead' });
      expect((await store.leads.getLead(leadId))?.steps['hot-alert']?.messageId).not.toMatch(/^slack:/);
    } finally {
      stack.slack.setDown(false);
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { emailsTo, waitForEmails } from '../support/inbox';
import { executionArnOf, postLead, uniqueEmail, warmLead } from '../support/leads';
import { storeOf } from '../support/store';

/**
 * Sender reputation on the emulators: SES's bounce and complaint events (as EventBridge
 * delivers them from the configuration set) stop a lead's emails mid-sequence.
 */
let stack: LocalStack;
let store: ReturnType<typeof storeOf>;
let deliver: (event: unknown) => Promise<unknown>;

beforeAll(async () => {
  // A day in half a real second: follow-ups keep a day apart, so the lead is between two of
  // them when SES reports back.
  stack = await startLocalStack({ timeScale: 172_800 });
  store = storeOf(stack);
  const { handler } = await import('../../functions/sender-events/handler');
  deliver = (event) => handler(event, { functionName: 'sender-events', awsRequestId: 'test' } as never);
});

afterAll(async () => {
  await stack?.close();
});

/** The event SES puts on the default bus for a send of our configuration set. */
const sesEvent = (leadId: string, detail: Record<string, unknown>) => ({
  version: '0',
  source: 'aws.ses',
  'detail-type': detail.eventType === 'Bounce' ? 'Email Bounced' : 'Email Complaint Received',
  detail: {
    ...detail,
    mail: { messageId: 'm-1', destination: ['x@example.com'], tags: { 'ses:configuration-set': [stack.config.sender.configurationSet ?? 'speed-to-lead-dev'], leadId: [leadId], step: ['follow-up-1'] } },
  },
});

async function leadAfterFirstFollowUp() {
  const email = uniqueEmail('wes');
  const { body } = await postLead(stack, warmLead(email));
  await waitForEmails(stack.sesUrl, email, (emails) => emails.some((e) => e.subject.includes('following up')), 15_000);
  return { leadId: body.leadId as string, email };
}

describe('SES reporting back', () => {
  it('a hard bounce mid-sequence stops the follow-ups, on the timeline', async () => {
    const { leadId, email } = await leadAfterFirstFollowUp();
    await deliver(sesEvent(leadId, { eventType: 'Bounce', bounce: { bounceType: 'Permanent', bounceSubType: 'General', bouncedRecipients: [{ emailAddress: email }] } }));
    expect((await store.leads.getLead(leadId))?.status).toBe('bounced');
    await stack.runner.waitFor(executionArnOf(stack, leadId));
    const followUps = (await emailsTo(stack.sesUrl, email)).filter((e) => e.subject.includes('following up'));
    expect(followUps).toHaveLength(1);
    expect((await store.leads.listEvents(leadId)).find((e) => e.type === 'bounced')).toMatchObject({ actor: 'ses', detail: { reason: 'Permanent/General' } });
  });

  it('the same bounce delivered again (EventBridge delivers at least once) keeps the first report: one event, the same stop time', async () => {
    const { leadId, email } = await leadAfterFirstFollowUp();
    const bounce = sesEvent(leadId, { eventType: 'Bounce', bounce: { bounceType: 'Permanent', bounceSubType: 'General', bouncedRecipients: [{ emailAddress: email }] } });
    await deliver(bounce);
    const first = (await store.leads.getLead(leadId))!;
    await new Promise((resolve) => setTimeout(resolve, 5));
    await deliver(bounce);
    const again = (await store.leads.getLead(leadId))!;
    expect(again).toMatchObject({ status: 'bounced', emailProblemAt: first.emailProblemAt, bouncedAt: first.emailProblemAt });
    const bounced = (await store.leads.listEvents(leadId)).filter((e) => e.type === 'bounced');
    expect(bounced.map((e) => e.at)).toEqual([first.emailProblemAt]);
    await stack.runner.waitFor(executionArnOf(stack, leadId));
  });

  it('a complaint does the same; a soft bounce changes nothing', { timeout: 60_000 }, async () => {
    const complained = await leadAfterFirstFollowUp();
    await deliver(sesEvent(complained.leadId, { eventType: 'Complaint', complaint: { complaintFeedbackType: 'abuse', complainedRecipients: [{ emailAddress: complained.email }] } }));
    expect((await store.leads.getLead(complained.leadId))?.status).toBe('complained');

    const soft = await leadAfterFirstFollowUp();
    await deliver(sesEvent(soft.leadId, { eventType: 'Bounce', bounce: { bounceType: 'Transient', bounceSubType: 'MailboxFull' } }));
    expect((await store.leads.getLead(soft.leadId))?.status).toBe('new');
    await stack.runner.waitFor(executionArnOf(stack, complained.leadId));
    await stack.runner.waitFor(executionArnOf(stack, soft.leadId));
    expect((await emailsTo(stack.sesUrl, complained.email)).filter((e) => e.subject.includes('following up'))).toHaveLength(1);
    expect((await emailsTo(stack.sesUrl, soft.email)).filter((e) => e.subject.includes('following up'))).toHaveLength(stack.config.sequence.followUpDays.length);
  });

  it('an event about no lead of ours is ignored', async () => {
    await expect(deliver(sesEvent('00000000-0000-4000-8000-000000000000', { eventType: 'Bounce', bounce: { bounceType: 'Permanent' } }))).resolves.toEqual({ recorded: undefined });
  });
});

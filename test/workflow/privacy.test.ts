import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { header, waitForEmails } from '../support/inbox';
import { executionArnOf, markContacted, postLead, uniqueEmail } from '../support/leads';

/**
 * Logs are for operating the product, not for reading leads: a full workflow at the most
 * verbose log level writes no email address, name, phone or message, and no secret.
 */
const logged: string[] = [];
const originals = { stdout: process.stdout.write.bind(process.stdout), stderr: process.stderr.write.bind(process.stderr) };
let stack: LocalStack;

beforeAll(async () => {
  const capture = (stream: 'stdout' | 'stderr') =>
    ((chunk: unknown, ...rest: unknown[]) => {
      logged.push(String(chunk));
      return (originals[stream] as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
  process.stdout.write = capture('stdout');
  process.stderr.write = capture('stderr');
  stack = await startLocalStack({ timeScale: 86_400 * 4, logLevel: 'DEBUG' });
});

afterAll(async () => {
  await stack?.close();
  process.stdout.write = originals.stdout;
  process.stderr.write = originals.stderr;
});

describe('the logs of a full workflow', () => {
  it('hold no personal data and no secret', async () => {
    const lead = {
      email: uniqueEmail('private.person'),
      name: 'Priscilla Privatova',
      phone: '+49 30 1234 5678',
      jobTitle: 'Director of Confidential Things',
      company: 'Secretive GmbH',
      companySize: '201-500',
      formId: 'demo-request',
      message: 'Our internal budget is 98765 euros',
    };
    const { body } = await postLead(stack, lead);
    await postLead(stack, lead); // a duplicate
    await postLead(stack, { ...lead, email: 'not-an-email' }); // a rejected one
    await waitForEmails(stack.sesUrl, lead.email, (emails) => emails.length > 0);
    await markContacted(stack, body.leadId, { outcome: 'rejected', reason: 'no-budget', note: 'Priscilla said no' });
    const [confirmation] = await waitForEmails(stack.sesUrl, lead.email, (emails) => emails.length > 0);
    await fetch(header(confirmation!, 'List-Unsubscribe')!.slice(1, -1), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    await stack.runner.waitFor(executionArnOf(stack, body.leadId));

    const output = logged.join('');
    // The log level really was verbose: the lead's id is there, as the correlation id.
    expect(output).toContain(body.leadId);
    for (const secret of [lead.email, 'Priscilla', 'Privatova', '1234 5678', 'Confidential', 'Secretive', '98765', 'Priscilla said no', stack.linkSecret, stack.webhookSecret]) {
      expect(output.includes(secret), `logs contain "${secret}"`).toBe(false);
    }
  });
});

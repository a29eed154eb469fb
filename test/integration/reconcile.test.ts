import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactFromLink, leadShapes, submitLead } from '../../local/people';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { emailsTo, waitForEmails } from '../support/inbox';
import { uniqueEmail } from '../support/leads';

/**
 * `npm run reconcile` as a person runs it against a local stack's data: the leads of a quiet
 * stack reconcile; an email sent twice makes it say which lead and exit 1.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
let stack: LocalStack;

beforeAll(async () => {
  // A simulated day in 0.2 s: the whole sequence in a few seconds.
  stack = await startLocalStack({ timeScale: 86_400 / 0.2, retryIntervalMs: 20, logLevel: 'ERROR' });
});
afterAll(async () => stack?.close());

function reconcileCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      ['--import', 'tsx', 'bin/reconcile.ts', '--endpoint', stack.dynamoUrl, '--ses', stack.sesUrl, ...args],
      { cwd: root, env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

describe('npm run reconcile', () => {
  it('finds every lead as its path requires on a quiet stack, and a duplicate email when there is one', async () => {
    const hot = uniqueEmail('dana');
    const warm = uniqueEmail('wes');
    await submitLead(stack, leadShapes.hot(hot));
    const { body } = await submitLead(stack, leadShapes.warm(warm));
    await submitLead(stack, { ...leadShapes.cold(uniqueEmail('noreply').replace(/^[^@]+/, 'noreply')) });
    await waitForEmails(stack.sesUrl, warm, (emails) => emails.some((email) => email.subject.endsWith('(day 1)')));
    expect((await contactFromLink(stack, String(body.leadId))).status).toBe(200);
    await stack.runner.idle();

    const clean = await reconcileCli();
    expect(clean.stdout).toContain('3 leads, 3 OK, 0 with mismatches, 0 stuck');
    expect(clean.stdout).toMatch(/warm: contacted after the day-1 follow-up +1 +1/);
    expect(clean.stdout).toMatch(/disqualified +1 +1/);
    expect(clean.code).toBe(0);

    // The hot lead's confirmation, sent a second time behind the product's back.
    const [confirmation] = await emailsTo(stack.sesUrl, hot);
    const ses = new SESv2Client({ endpoint: stack.sesUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'leads@example.com',
        Destination: { ToAddresses: [hot] },
        Content: { Simple: { Subject: { Data: confirmation!.subject }, Body: { Text: { Data: confirmation!.body.text ?? '' } } } },
      }),
    );
    ses.destroy();
    const dirty = await reconcileCli('--json');
    expect(dirty.code).toBe(1);
    const report = JSON.parse(dirty.stdout);
    expect(report.mismatched).toEqual([
      { leadId: expect.any(String), path: 'hot: never contacted', problems: [`duplicate email: a second confirmation ("${confirmation!.subject}" to ${hot})`] },
    ]);
  });
});

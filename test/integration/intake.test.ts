import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asFunction } from '../../local/iam';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { emailsTo, waitForEmails } from '../support/inbox';
import { executionArnOf, postLead, uniqueEmail } from '../support/leads';
import { storeOf } from '../support/store';

/** POST /leads over the local API, with the real intake handler, DynamoDB and SFN endpoint. */
let stack: LocalStack;
let store: ReturnType<typeof storeOf>;

beforeAll(async () => {
  // Two weeks pass in a second of real time: these tests look at intake, not the sequence.
  stack = await startLocalStack({ timeScale: 14 * 86_400 });
  store = storeOf(stack);
});

afterAll(async () => {
  await stack?.close();
});

async function post(body: string, contentType?: string) {
  const response = await fetch(`${stack.apiUrl}/leads`, { method: 'POST', headers: contentType ? { 'content-type': contentType } : {}, body });
  const text = await response.text();
  return { status: response.status, body: text.startsWith('{') ? (JSON.parse(text) as Record<string, any>) : text };
}

/** Runs `request` and proves it changed nothing: no item, no workflow, no email. */
async function changesNothing<T>(request: () => Promise<T>): Promise<T> {
  await stack.runner.idle(); // earlier leads' sequences write as they go
  const items = await store.itemCount();
  const executions = stack.runner.list().length;
  const emails = (await fetch(`${stack.sesUrl}/store`).then((r) => r.json()) as { emails: unknown[] }).emails.length;
  const result = await request();
  expect(await store.itemCount()).toBe(items);
  expect(stack.runner.list().length).toBe(executions);
  expect((await fetch(`${stack.sesUrl}/store`).then((r) => r.json()) as { emails: unknown[] }).emails.length).toBe(emails);
  return result;
}

describe('a valid lead', () => {
  it('is stored before its workflow starts, with the schedule as the execution input', async () => {
    const email = uniqueEmail('ana');
    const { status, body } = await postLead(stack, { email, name: 'Ana Alves', formId: 'demo', utm_source: 'google', timezone: 'Europe/Lisbon', secretField: 'ignored' });
    expect(status).toBe(202);
    const lead = (await store.leads.getLead(body.leadId))!;
    expect(lead).toMatchObject({ email, name: 'Ana Alves', formId: 'demo', utm_source: 'google', timezone: 'Europe/Lisbon' });
    expect(lead).not.toHaveProperty('secretField');
    expect(lead.executionArn).toBe(executionArnOf(stack, body.leadId));
    const execution = stack.runner.describe(lead.executionArn!);
    expect(JSON.parse(execution.input)).toEqual({ leadId: body.leadId, submittedAt: lead.submittedAt, schedule: lead.schedule });
    expect((await store.leads.listEvents(body.leadId))[0]).toMatchObject({ type: 'submitted', actor: 'lead' });
  });

  it('may come as a urlencoded form post, with checkbox words and empty fields', async () => {
    const email = uniqueEmail('form');
    const { status, body } = await post(new URLSearchParams({ email, name: 'Fé Form', company: '', consent: 'on', website: '' }).toString(), 'application/x-www-form-urlencoded');
    expect(status).toBe(202);
    const lead = await store.leads.getLead((body as { leadId: string }).leadId);
    expect(lead).toMatchObject({ email, name: 'Fé Form', consent: true });
    expect(lead).not.toHaveProperty('company');
  });

  it('reaches the confirmation email escaped, whatever markup it carries', async () => {
    const email = uniqueEmail('mallory');
    const { status } = await postLead(stack, { email, name: '<img src=x onerror=alert(1)>', company: '"Evil" & Co', message: '</blockquote><script>steal()</script>' });
    expect(status).toBe(202);
    const [confirmation] = await waitForEmails(stack.sesUrl, email, (emails) => emails.length > 0);
    expect(confirmation!.body.html).not.toMatch(/<img|<script|<\/blockquote><script/);
    expect(confirmation!.body.html).toContain('&lt;script&gt;steal()&lt;/script&gt;');
    expect(confirmation!.body.html).toContain('&quot;Evil&quot; &amp; Co');
    const eml = (await fetch(`${stack.sesUrl}/get-emlContent?messageId=${confirmation!.messageId}`).then((r) => r.json())) as { body: { data: number[] } };
    const raw = Buffer.from(eml.body.data).toString('utf8');
    expect(raw).toMatch(/^Subject: .*we received your request\r?$/m);
    expect(raw).not.toMatch(/^Bcc:/im);
    // CAN-SPAM: the sender's postal address from the stage's config, in both parts' footer.
    const { postalAddress } = stack.config.sender;
    expect(confirmation!.body.text).toContain(postalAddress);
    expect(confirmation!.body.html).toContain(postalAddress.split('\n').join('<br>'));
    expect(raw).toContain(postalAddress.split('\n').at(-2));
  });
});

describe('a page fact the person cannot see or fix', () => {
  it('a browser that cannot tell its time zone ("Etc/Unknown"): 202, the lead kept, and its timeline says what was dropped', async () => {
    const email = uniqueEmail('tz');
    const { status, body } = await postLead(stack, { email, name: 'Zoe Zone', phone: '+1 555 123 4567 ext. 89', timezone: 'Etc/Unknown', referrer: 'android-app://com.google.android.gm' });
    expect(status).toBe(202);
    const lead = (await store.leads.getLead(body.leadId))!;
    expect(lead).toMatchObject({ email, name: 'Zoe Zone', phone: '+1 555 123 4567 ext. 89', phoneE164: '+15551234567', phoneExtension: '89' });
    expect(lead).not.toHaveProperty('timezone');
    expect(lead).not.toHaveProperty('referrer');
    const submitted = (await store.leads.listEvents(body.leadId)).find((e) => e.type === 'submitted');
    expect(submitted?.detail).toMatchObject({ dropped: ['referrer', 'timezone'] });
    // Its sequence runs as any lead's, on the stage's default business hours.
    await waitForEmails(stack.sesUrl, email, (emails) => emails.length > 0);
  });
});

describe('a bad request', () => {
  it('is a 400 naming each failing field, and stores nothing', async () => {
    const { status, body } = await changesNothing(() => postLead(stack, { email: 'not-an-email', phone: 'call me maybe' }));
    expect(status).toBe(400);
    expect(body).toEqual({
      error: 'ValidationError',
      message: expect.stringContaining('email'),
      issues: [
        { path: 'email', message: 'must be a valid email address' },
        { path: 'name', message: 'is required' },
        { path: 'phone', message: 'must be a phone number such as "+1 555 123 4567 ext. 89"' },
      ],
    });
  });

  it('refuses header injection in a name, wrong types and non-object bodies', async () => {
    const injected = await changesNothing(() => postLead(stack, { email: uniqueEmail('eve'), name: 'Eve\r\nBcc: victim@example.com' }));
    expect(injected.status).toBe(400);
    expect(injected.body.issues).toEqual([{ path: 'name', message: 'must be a single line without control characters' }]);
    // consent is a page fact: a word nobody defined is dropped, not refused (see "a page fact").
    const typed = await changesNothing(() => postLead(stack, { email: ['a@b.co'], name: { first: 'A' }, consent: 'perhaps' }));
    expect(typed.body.issues.map((i: { path: string }) => i.path)).toEqual(['email', 'name']);
    for (const body of ['[]', '"lead"', 'null', '42']) {
      const result = await changesNothing(() => post(body, 'application/json'));
      expect(result.status).toBe(400);
      expect((result.body as { error: string }).error).toBe('ValidationError');
    }
  });

  it('that is not JSON is a 400 that says so', async () => {
    const { status, body } = await changesNothing(() => post('{"email": "a@b.co", "name": ', 'application/json'));
    expect(status).toBe(400);
    expect(body).toEqual({ error: 'ValidationError', message: 'Body is not valid JSON', issues: [{ path: '(body)', message: 'must be valid JSON' }] });
  });

  it('too large is a 413, of another content type a 415', async () => {
    const big = await changesNothing(() => postLead(stack, { email: uniqueEmail('big'), name: 'Big', message: 'x'.repeat(40_000) }));
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ error: 'PayloadTooLarge' });
    const huge = await changesNothing(() => post('x'.repeat(11 * 1024 * 1024), 'application/json'));
    expect(huge.status).toBe(413);
    const text = await changesNothing(() => post('email=a@b.co', 'text/plain'));
    expect(text).toEqual({ status: 415, body: { error: 'UnsupportedMediaType', message: 'Content-Type must be one of: application/json, application/x-www-form-urlencoded' } });
    const untyped = await changesNothing(() => post('{"email":"a@b.co","name":"A"}'));
    expect(untyped.status).toBe(415);
  });

  it('with a malformed Idempotency-Key is a 400 on that header', async () => {
    const { status, body } = await changesNothing(() => postLead(stack, { email: uniqueEmail('key'), name: 'K' }, { 'Idempotency-Key': 'x'.repeat(201) }));
    expect(status).toBe(400);
    expect(body.issues).toEqual([{ path: 'Idempotency-Key', message: 'must be 1-200 visible ASCII characters' }]);
  });
});

describe('a bot filling the honeypot', () => {
  it('gets the same 202 as a person, and nothing is stored or sent', async () => {
    const email = uniqueEmail('bot');
    const { status, body } = await changesNothing(() => postLead(stack, { email, name: 'Bot', website: 'https://spam.example' }));
    expect(status).toBe(202);
    expect(body).toEqual({ leadId: expect.any(String), status: 'accepted' });
    expect(await store.leads.getLead(body.leadId)).toBeUndefined();
    expect(await emailsTo(stack.sesUrl, email)).toEqual([]);
  });
});

describe('the public API', () => {
  it('answers CORS preflight for the configured site origins only', async () => {
    const [origin] = stack.config.siteOrigins;
    const allowed = await fetch(`${stack.apiUrl}/leads`, { method: 'OPTIONS', headers: { origin: origin!, 'access-control-request-method': 'POST' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(origin);
    const other = await fetch(`${stack.apiUrl}/leads`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers 404 for routes outside the contract', async () => {
    expect((await fetch(`${stack.apiUrl}/admin`)).status).toBe(404);
    expect((await fetch(`${stack.apiUrl}/leads`, { method: 'GET' })).status).toBe(404);
  });
});

/**
 * What AWS enforces, the local stack enforces: each function may call on the table only what
 * its role in the template allows (local/iam.ts), so a grant missing from lib/lead-functions.ts
 * fails these tests instead of the first lead in AWS with AccessDenied.
 */
describe('IAM on the table, as AWS enforces it', () => {
  it('every call the leads above made was within its function\'s grants', async () => {
    await stack.runner.idle();
    expect(stack.iam.denied).toEqual([]);
    const used = (fn: string) => [...new Set(stack.iam.calls.filter((call) => call.startsWith(`${fn} `)).map((call) => call.split(' ')[1]))].sort();
    // The calls were seen, each as its own function's: the intake writes, scoring queries the byDomain index.
    expect(used('intake')).toContain('dynamodb:PutItem');
    expect(used('score-and-route')).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem']));
    expect(used('send-confirmation')).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:UpdateItem']));
    expect(stack.iam.calls).toContainEqual(expect.stringMatching(/^score-and-route dynamodb:Query arn:aws:dynamodb:[^ ]+:table\/[^ ]+\/index\/byDomain$/));
  });

  it('refuses a call outside a function\'s grants with AccessDeniedException, naming the action and the table', async () => {
    const { status, body } = await postLead(stack, { email: uniqueEmail('iam'), name: 'Ira Iam' });
    expect(status).toBe(202);
    const leadId = String(body.leadId);
    // Recording a failure never reads the lead, and no function scans the table.
    await expect(asFunction('record-failure', () => store.leads.getLead(leadId))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringMatching(/is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table\/speed-to-lead-local because no identity-based policy allows/),
    });
    await expect(asFunction('intake', () => store.itemCount())).rejects.toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('dynamodb:Scan') });
    // Outside a function (this test, ops tools) nothing is checked, as with an admin's credentials.
    expect(await store.itemCount()).toBeGreaterThan(0);
    stack.iam.denied.splice(0);
  });
});

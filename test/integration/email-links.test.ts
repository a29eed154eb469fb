import { randomBytes } from 'node:crypto';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { expiryAfterDays, signLink, verifyLink } from '@domain/links';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { header, linkIn, waitForEmails } from '../support/inbox';
import { executionArnOf, hotLead, postLead, repToken, uniqueEmail, warmLead } from '../support/leads';
import { storeOf } from '../support/store';

/** The links in emails: a rep's "mark contacted" page and callback, and the lead's unsubscribe. */
let stack: LocalStack;
let store: ReturnType<typeof storeOf>;

beforeAll(async () => {
  // A simulated day takes 2 real seconds, so a lead is still mid-sequence while a test acts.
  stack = await startLocalStack({ timeScale: 43_200 });
  store = storeOf(stack);
});

afterAll(async () => {
  await stack?.close();
});

async function newLead(body: { email: string } & Record<string, unknown> = hotLead(uniqueEmail('dana'))) {
  const { body: created } = await postLead(stack, body);
  await waitForEmails(stack.sesUrl, body.email, (emails) => emails.length > 0);
  return created.leadId as string;
}

const contactUrl = (leadId: string) => `${stack.apiUrl}/leads/${leadId}/contact`;

async function respond(leadId: string, body: Record<string, unknown>) {
  const response = await fetch(contactUrl(leadId), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe("the rep's link", () => {
  it('opens a page with the lead, its score reasons and the buttons, and changes nothing', async () => {
    const leadId = await newLead();
    const token = repToken(stack, leadId);
    const page = await fetch(`${contactUrl(leadId)}?token=${token}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('Dana Director');
    expect(html).toMatch(/<button name="outcome" value="contacted">Contacted<\/button>/);
    expect(html).toContain('<option value="no-budget">');
    expect((await store.leads.getLead(leadId))?.contactedAt).toBeUndefined();
  });

  it('from the page form records the response and shows it', async () => {
    const leadId = await newLead();
    const form = new URLSearchParams({ token: repToken(stack, leadId), outcome: 'accepted' });
    const response = await fetch(contactUrl(leadId), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('marked <strong>accepted</strong>');
    expect(await store.leads.getLead(leadId)).toMatchObject({ status: 'contacted', outcome: 'accepted', contactedBy: 'rep-ana' });
  });

  it('records a rejection with its reason, and refuses one without', async () => {
    const leadId = await newLead();
    const token = repToken(stack, leadId);
    const missing = await respond(leadId, { token, outcome: 'rejected' });
    expect(missing.status).toBe(400);
    expect(missing.body.issues).toEqual([{ path: 'reason', message: 'is required when the outcome is rejected' }]);
    const bad = await respond(leadId, { token, outcome: 'ignored' });
    expect(bad.body.issues).toEqual([{ path: 'outcome', message: 'must be one of contacted, accepted, rejected' }]);
    expect((await store.leads.getLead(leadId))?.contactedAt).toBeUndefined();

    const rejected = await respond(leadId, { token, outcome: 'rejected', reason: 'no-budget', note: 'Next year maybe' });
    expect(rejected.status).toBe(200);
    expect(await store.leads.getLead(leadId)).toMatchObject({ outcome: 'rejected', rejectReason: 'no-budget', repNote: 'Next year maybe' });
    expect((await store.leads.listEvents(leadId)).find((e) => e.type === 'rejected')).toMatchObject({ actor: 'rep:rep-ana', detail: { reason: 'no-budget' } });
  });

  it('is refused with 403 when forged, for another lead, expired or missing, and 404 for an unknown lead', async () => {
    const leadId = await newLead();
    const otherLead = await newLead();
    const expired = signLink({ leadId, purpose: 'contact', repId: 'rep-ana', expiresAt: expiryAfterDays(new Date(), -1) }, stack.linkSecret);
    const forged = signLink({ leadId, purpose: 'contact', repId: 'rep-ana', expiresAt: expiryAfterDays(new Date(), 30) }, 'not-the-secret-at-all');
    const unsubscribeToken = signLink({ leadId, purpose: 'unsubscribe', expiresAt: expiryAfterDays(new Date(), 30) }, stack.linkSecret);
    for (const token of [forged, repToken(stack, otherLead), expired, unsubscribeToken, 'garbage', repToken(stack, leadId).slice(0, -4)]) {
      const result = await respond(leadId, { token, outcome: 'contacted' });
      expect(result.status).toBe(403);
      expect(result.body.error).toBe('TokenInvalid');
    }
    expect((await respond(leadId, { token: expired, outcome: 'contacted' })).body.message).toMatch(/expired/);
    expect((await respond(leadId, { outcome: 'contacted' })).status).toBe(400);
    const page = await fetch(`${contactUrl(leadId)}?token=${expired}`);
    expect(page.status).toBe(403);
    expect(await page.text()).toContain('This link has expired');
    expect((await store.leads.getLead(leadId))?.contactedAt).toBeUndefined();

    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(await respond(unknown, { token: repToken(stack, unknown), outcome: 'contacted' })).toEqual({ status: 404, body: { error: 'LeadNotFound', message: 'No such lead' } });
  });

  it('in the hot-lead alert email works', async () => {
    const email = uniqueEmail('dana');
    const leadId = await newLead(hotLead(email));
    const lead = (await store.leads.getLead(leadId))!;
    const owner = stack.config.reps.find((rep) => rep.id === lead.ownerId)!;
    const [alert] = await waitForEmails(stack.sesUrl, owner.email, (emails) => emails.some((e) => e.body.text?.includes(leadId)), 10_000).then((emails) =>
      emails.filter((e) => e.body.text?.includes(leadId)),
    );
    const link = new URL(linkIn(alert!, 'Mark as contacted'));
    expect((await fetch(link)).status).toBe(200);
    const result = await respond(leadId, { token: link.searchParams.get('token'), outcome: 'contacted' });
    expect(result).toMatchObject({ status: 200, body: { leadId, outcome: 'contacted' } });
    await stack.runner.waitFor(executionArnOf(stack, leadId));
    expect((await store.leads.getLead(leadId))?.contactedBy).toBe(owner.id);
  });
});

describe('unsubscribing', () => {
  it('every email to the lead carries a signed one-click unsubscribe link (RFC 8058)', async () => {
    const email = uniqueEmail('una');
    await newLead(warmLead(email));
    const [confirmation] = await waitForEmails(stack.sesUrl, email, (emails) => emails.length > 0);
    expect(header(confirmation!, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(header(confirmation!, 'List-Unsubscribe')).toMatch(new RegExp(`^<${stack.apiUrl}/leads/[^/]+/unsubscribe\\?token=[\\w-]+\\.[\\w-]+>$`));
  });

  it('asks first on GET, stops every later email on the one-click POST', async () => {
    const email = uniqueEmail('una');
    const leadId = await newLead(warmLead(email));
    const [confirmation] = await waitForEmails(stack.sesUrl, email, (emails) => emails.length > 0);
    const url = header(confirmation!, 'List-Unsubscribe')!.slice(1, -1);

    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<button>Unsubscribe</button>');
    expect((await store.leads.getLead(leadId))?.unsubscribedAt).toBeUndefined();

    const oneClick = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(oneClick.status).toBe(200);
    expect(await store.leads.getLead(leadId)).toMatchObject({ status: 'unsubscribed', unsubscribedAt: expect.any(String) });

    const execution = await stack.runner.waitFor(executionArnOf(stack, leadId));
    expect(execution.status).toBe('SUCCEEDED');
    const emails = await waitForEmails(stack.sesUrl, email, () => true);
    expect(emails.map((e) => e.subject)).toEqual(['Thanks, Wes: we received your request']);
  });

  it("works for as long as the lead exists: the email's link carries no expiry, and one issued with an expiry still works after it", async () => {
    const email = uniqueEmail('una');
    const leadId = await newLead(warmLead(email));
    const [confirmation] = await waitForEmails(stack.sesUrl, email, (emails) => emails.length > 0);
    const token = new URL(header(confirmation!, 'List-Unsubscribe')!.slice(1, -1)).searchParams.get('token')!;
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).not.toHaveProperty('e');

    // As links were signed before: expiring after linkTtlDays, here 31 days ago.
    const expiredLongAgo = signLink({ leadId, purpose: 'unsubscribe', expiresAt: expiryAfterDays(new Date(), -31) }, stack.linkSecret);
    const oneClick = await fetch(`${stack.apiUrl}/leads/${leadId}/unsubscribe?token=${expiredLongAgo}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(oneClick.status).toBe(200);
    expect(await store.leads.getLead(leadId)).toMatchObject({ status: 'unsubscribed' });
    // A rep's link that old is refused as expired (see "is refused with 403 when ... expired").
    const repLinkThatOld = signLink({ leadId, purpose: 'contact', repId: 'rep-ana', expiresAt: expiryAfterDays(new Date(), -31) }, stack.linkSecret);
    expect((await respond(leadId, { token: repLinkThatOld, outcome: 'contacted' })).body.message).toMatch(/expired/);
  });

  // RFC 8058 3.2: the POST "SHOULD be sent as multipart/form-data [RFC7578] or MAY be sent as
  // application/x-www-form-urlencoded", to the List-Unsubscribe URL (which carries the token).
  const boundary = '---FormBoundaryjWmhtjORrn';
  const oneClickBodies: Array<[string, () => { headers?: Record<string, string>; body?: RequestInit['body'] }]> = [
    ['multipart/form-data, as RFC 8058 section 8 shows it', () => ({
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`,
    })],
    ['multipart/form-data, as a client building FormData sends it', () => {
      const form = new FormData();
      form.append('List-Unsubscribe', 'One-Click');
      return { body: form };
    }],
    ['application/x-www-form-urlencoded, as Gmail sends it', () => ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' })],
    ['urlencoded with a charset', () => ({ headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: 'List-Unsubscribe=One-Click' })],
    ['no body at all', () => ({})],
    ['text/plain, as a client that ignores the RFC might', () => ({ headers: { 'content-type': 'text/plain' }, body: 'List-Unsubscribe=One-Click' })],
  ];

  it.each(oneClickBodies)('the one-click POST with %s unsubscribes: 200, never a redirect', async (_, request) => {
    const email = uniqueEmail('una');
    const leadId = await newLead(warmLead(email));
    const [confirmation] = await waitForEmails(stack.sesUrl, email, (emails) => emails.length > 0);
    const url = header(confirmation!, 'List-Unsubscribe')!.slice(1, -1);

    const response = await fetch(url, { method: 'POST', redirect: 'manual', ...request() });
    expect(response.status).toBe(200);
    expect(response.headers.get('location')).toBeNull();
    expect(await store.leads.getLead(leadId)).toMatchObject({ status: 'unsubscribed', unsubscribedAt: expect.any(String) });
  });

  it('refuses a rep token or a forged one', async () => {
    const leadId = await newLead(warmLead(uniqueEmail('una')));
    const response = await fetch(`${stack.apiUrl}/leads/${leadId}/unsubscribe?token=${repToken(stack, leadId)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(403);
    expect((await store.leads.getLead(leadId))?.status).not.toBe('unsubscribed');
  });
});

// Last in the file: it rotates the stack's link secret, which every earlier test signs with.
describe('rotating the link secret (README: "Rotate a signing secret")', () => {
  it("keeps the links of leads in flight working, signs new ones with the new key, and refuses a key two rotations old", async () => {
    const secrets = new SecretsManagerClient({ endpoint: process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER, region: process.env.AWS_REGION });
    const rotate = async () => {
      const value = randomBytes(32).toString('hex');
      await secrets.send(new PutSecretValueCommand({ SecretId: process.env.LINK_SECRET_ID, SecretString: value }));
      return value;
    };
    const unsubscribeUrl = async (email: string) => header((await waitForEmails(stack.sesUrl, email, (emails) => emails.length > 0))[0]!, 'List-Unsubscribe')!.slice(1, -1);
    const tokenOf = (url: string) => new URL(url).searchParams.get('token');
    const signedWith = (url: string, key: string, leadId: string) => {
      try {
        return verifyLink(tokenOf(url), { leadId, purpose: 'unsubscribe' }, { current: key }, new Date()) !== undefined;
      } catch {
        return false;
      }
    };
    const contactPage = (leadId: string, token: string) => fetch(`${contactUrl(leadId)}?token=${token}`).then((r) => r.status);
    const signedNow = (key: string, leadId: string) => signLink({ leadId, purpose: 'contact', expiresAt: expiryAfterDays(new Date(), 1) }, key);
    /**
     * Long before the functions' 300 s cache of the secret ends, a link another function signed
     * with the new value opens: it makes this one read the secret again. At once, or (the
     * forged links of the tests before were refused moments ago) once 10 s have passed since.
     */
    const opensSoon = (leadId: string, key: string) =>
      vi.waitFor(async () => expect(await contactPage(leadId, signedNow(key, leadId))).toBe(200), { timeout: 15_000, interval: 250 });

    // A lead in flight: its rep's link and its unsubscribe link are signed with the first key.
    const before = uniqueEmail('rota');
    const beforeId = await newLead(hotLead(before));
    const beforeUnsubscribe = await unsubscribeUrl(before);
    expect(signedWith(beforeUnsubscribe, stack.linkSecret, beforeId)).toBe(true);
    const beforeRepToken = repToken(stack, beforeId);

    const second = await rotate();
    await opensSoon(beforeId, second);
    const after = uniqueEmail('rota');
    const afterId = await newLead(warmLead(after));
    const afterUnsubscribe = await unsubscribeUrl(after);
    expect(signedWith(afterUnsubscribe, second, afterId)).toBe(true);

    // Both work: the one signed before the rotation (AWSPREVIOUS) and the one after (AWSCURRENT).
    expect(await contactPage(beforeId, beforeRepToken)).toBe(200);
    expect((await respond(beforeId, { token: beforeRepToken, outcome: 'contacted' })).status).toBe(200);
    expect((await fetch(beforeUnsubscribe, { method: 'POST' })).status).toBe(200);
    expect((await fetch(afterUnsubscribe, { method: 'POST' })).status).toBe(200);
    expect(await store.leads.getLead(beforeId)).toMatchObject({ contactedBy: 'rep-ana', status: 'unsubscribed' });
    expect(await store.leads.getLead(afterId)).toMatchObject({ status: 'unsubscribed' });

    // One more rotation: the first key is two rotations old and refused; the second still verifies.
    const third = await rotate();
    // At once: the fresh read after the last rotation found something new, so no floor applies.
    expect(await contactPage(afterId, signedNow(third, afterId))).toBe(200);
    expect(await contactPage(beforeId, beforeRepToken)).toBe(403);
    expect((await fetch(beforeUnsubscribe, { method: 'POST' })).status).toBe(403);
    expect((await fetch(afterUnsubscribe, { method: 'POST' })).status).toBe(200);
    secrets.destroy();
  });
});

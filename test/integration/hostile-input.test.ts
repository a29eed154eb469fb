import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expiryAfterDays, type LinkPurpose, signLink } from '@domain/links';
import { signWebhook } from '@domain/webhook-signature';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { allEmails, rawEmail, waitForEmails } from '../support/inbox';
import { hotLead, postLead, uniqueEmail, warmLead } from '../support/leads';
import { storeOf } from '../support/store';

/**
 * Hostile input against POST /leads, generated: whatever a client sends, the answer is a 2xx
 * for a valid lead or a 4xx that says what is wrong, never a 5xx; nothing is stored for a
 * rejected request; and nothing a lead types reaches an email's headers or markup. Then the
 * same against the links' routes (contact, unsubscribe): forged, swapped, expired and mangled
 * tokens and CRM signatures, hostile ids and bodies never yield a 5xx and change no lead.
 */
let stack: LocalStack;
let store: ReturnType<typeof storeOf>;

beforeAll(async () => {
  stack = await startLocalStack({ timeScale: 10_000_000 });
  store = storeOf(stack);
});

afterAll(async () => {
  await stack?.close();
});

const FIELDS = ['email', 'name', 'company', 'jobTitle', 'companySize', 'industry', 'country', 'phone', 'message', 'formId', 'pageUrl', 'referrer', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'consent', 'timezone', 'website'];

const hostileText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>',
    'Eve\r\nBcc: victim@example.com',
    'x\nSubject: pwned',
    '=?utf-8?q?=0D=0ABcc:_a@b.c?=',
    "'; DROP TABLE leads; --",
    '\u0000\u0007\u001b[31m',
    '\ud800',
    '__proto__',
    'a'.repeat(6000),
  ),
);
const anyValue = fc.oneof(hostileText, fc.integer(), fc.boolean(), fc.constant(null), fc.array(hostileText, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), hostileText, { maxKeys: 3 }));
const leadLike = fc.dictionary(fc.constantFrom(...FIELDS, '__proto__', 'constructor', 'prototype', 'extra'), anyValue, { maxKeys: 12 });
const deep = fc.integer({ min: 1, max: 5000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth));
const contentTypes = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', 'application/xml', '', 'application/json\r\nX-Injected: 1');

async function send(body: string | Buffer, contentType: string) {
  const headers: Record<string, string> = {};
  // fetch refuses header values with CR/LF itself; such a client cannot reach us either.
  if (contentType && !/[\r\n]/.test(contentType)) headers['content-type'] = contentType;
  const response = await fetch(`${stack.apiUrl}/leads`, { method: 'POST', headers, body });
  return { status: response.status, text: await response.text() };
}

function expectWellFormedAnswer({ status, text }: { status: number; text: string }) {
  expect(status).toBeLessThan(500);
  const body = JSON.parse(text) as Record<string, unknown>;
  if (status >= 400) {
    expect(typeof body.error).toBe('string');
    expect(typeof body.message).toBe('string');
  } else {
    expect(body.leadId).toEqual(expect.any(String));
  }
}

describe('POST /leads under generated hostile input', () => {
  it('never answers 5xx, and every error says what is wrong', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          leadLike.map((o) => JSON.stringify(o)),
          leadLike.map((o) => new URLSearchParams(Object.entries(o).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString()),
          fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
          deep,
          fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
          fc.string({ maxLength: 100 }),
        ),
        contentTypes,
        async (body, contentType) => expectWellFormedAnswer(await send(body, contentType)),
      ),
      { numRuns: 250 },
    );
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('stores nothing for a rejected request, prototype-pollution keys included', async () => {
    await stack.runner.idle();
    const items = await store.itemCount();
    const invalid = leadLike.filter((o) => typeof o.email !== 'string' || !String(o.email).includes('@') || o.name === undefined);
    await fc.assert(
      fc.asyncProperty(invalid, async (lead) => {
        const answer = await send(JSON.stringify({ ...lead, __proto__: { polluted: true } }), 'application/json');
        expect(answer.status).toBe(400);
      }),
      { numRuns: 100 },
    );
    await stack.runner.idle();
    expect(await store.itemCount()).toBe(items);

    const polluted = await send('{"email":"p@example.com","name":"P","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}', 'application/json');
    expect(polluted.status).toBe(202);
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    expect(await store.leads.getLead((JSON.parse(polluted.text) as { leadId: string }).leadId)).not.toHaveProperty('polluted');
  });

  it('keeps what a lead typed out of email headers and markup', async () => {
    const markup = fc.constantFrom('<script>x()</script>', '<img src=x onerror=y()>', '"><a href="javascript:z()">', "<b onmouseover='w()'>");
    await fc.assert(
      fc.asyncProperty(markup, markup, markup, fc.constantFrom('\r\nBcc: a@b.c', '\nX-Evil: 1', ''), async (name, company, message, crlf) => {
        const email = uniqueEmail('fuzz');
        const answer = await send(JSON.stringify({ email, name: name.slice(0, 100), company, message: message + crlf, jobTitle: company }), 'application/json');
        expect(answer.status).toBe(202);
        const [confirmation] = await waitForEmails(stack.sesUrl, email, (emails) => emails.length > 0);
        for (const typed of [name.slice(0, 100), company, message]) expect(confirmation!.body.html).not.toContain(typed);
        const eml = (await fetch(`${stack.sesUrl}/get-emlContent?messageId=${confirmation!.messageId}`).then((r) => r.json())) as { body: { data: number[] } };
        const raw = Buffer.from(eml.body.data).toString('utf8');
        const headerNames = raw.split(/\r?\n\r?\n/)[0]!.split(/\r?\n/).filter((line) => !/^\s/.test(line)).map((line) => line.split(':')[0]!.toLowerCase());
        expect(headerNames.filter((h) => !['list-unsubscribe', 'list-unsubscribe-post', 'from', 'to', 'reply-to', 'subject', 'date', 'message-id', 'mime-version', 'content-type'].includes(h))).toEqual([]);
        expect(headerNames.filter((h) => h === 'subject')).toHaveLength(1);
      }),
      { numRuns: 12 },
    );
  });
});

describe('every email of the sequence under a hostile lead', () => {
  it('renders what the lead typed as text in every template, on the raw MIME: no markup, no header, no template evaluated', async () => {
    const email = uniqueEmail('hostile');
    const typed = {
      name: 'Eve <img src=x onerror=alert(1)>',
      company: '"><script>steal()</script>',
      message: "<a href='javascript:x()'>click</a>\r\nBcc: victim@example.com\n{{links.unsubscribe}} {{{lead.email}}}",
    };
    const { status, body } = await postLead(stack, { ...hotLead(email), ...typed });
    expect(status).toBe(202);
    const leadId = body.leadId as string;
    // Nobody answers: the confirmation, the rep's alert, the escalation, the team lead's notice and four follow-ups.
    await waitForEmails(stack.sesUrl, email, (emails) => emails.length >= 5);
    await stack.runner.idle();
    const sent = (await allEmails(stack.sesUrl)).filter((e) => e.destination.to.includes(email) || e.body.text?.includes(`/leads/${leadId}/`) || e.body.text?.includes(email));
    const subjects = sent.map((e) => e.subject);
    for (const kind of [/^Thanks, Eve: /, /^Hot lead: /, /^Escalated to you: /, /^Hot lead not contacted in /, /\(day 1\)$/, /\(day 3\)$/, /\(day 7\)$/, /\(day 14\)$/]) {
      expect(subjects.filter((subject) => kind.test(subject)), String(kind)).toHaveLength(1);
    }
    for (const message of sent) {
      const raw = await rawEmail(stack.sesUrl, message.messageId);
      const [head] = raw.split(/\r?\n\r?\n/);
      // One Subject, no header the lead wrote (the message's "Bcc:" stays in the body).
      expect(head!.split(/\r?\n/).filter((line) => /^subject:/i.test(line)), message.subject).toHaveLength(1);
      expect(head, message.subject).not.toMatch(/^bcc:/im);
      const html = message.body.html ?? '';
      expect(html, message.subject).not.toMatch(/<img|<script|<a href='javascript|onerror=|"><script/);
      // The HTML part as sent (the text part is plain text: there the company reads as typed).
      const htmlPart = raw.slice(raw.search(/^Content-Type: text\/html/im));
      expect(htmlPart.length, message.subject).toBeLessThan(raw.length);
      expect(htmlPart.replace(/=\r?\n/g, ''), message.subject).not.toMatch(/<script>steal|<img src|<a href='javascript/);
      if (message.body.text?.includes('click')) {
        expect(html).toContain('&lt;a href&#x3D;&#x27;javascript:x()&#x27;&gt;click&lt;/a&gt;');
        // Their braces are text: no template ran on what the lead typed.
        expect(message.body.text).toContain('{{links.unsubscribe}} {{{lead.email}}}');
      }
      // The team's emails name the company as typed, escaped.
      if (html.includes('Who:')) expect(html).toContain('&quot;&gt;&lt;script&gt;steal()&lt;/script&gt;');
    }
  });
});

describe('the links\' routes under generated hostile input', () => {
  it('never answer 5xx, and no forged, swapped, expired or mangled credential changes the lead', async () => {
    const { body } = await postLead(stack, warmLead(uniqueEmail('target')));
    const leadId = body.leadId as string;
    const routes: Record<LinkPurpose, string> = { contact: 'contact', unsubscribe: 'unsubscribe' };
    const other = (purpose: LinkPurpose): LinkPurpose => (purpose === 'contact' ? 'unsubscribe' : 'contact');
    const valid = (purpose: LinkPurpose) => signLink({ leadId, purpose, repId: purpose === 'contact' ? 'rep-ana' : undefined, expiresAt: expiryAfterDays(new Date(), 30) }, stack.linkSecret);
    // Every token here is wrong for this route and this lead in exactly one way.
    const token = (purpose: LinkPurpose) =>
      fc.oneof(
        fc.constant(undefined),
        hostileText,
        fc.constant(signLink({ leadId, purpose, expiresAt: expiryAfterDays(new Date(), 30) }, 'not-the-secret')),
        fc.constant(signLink({ leadId: randomUUID(), purpose, expiresAt: expiryAfterDays(new Date(), 30) }, stack.linkSecret)),
        fc.constant(signLink({ leadId, purpose: other(purpose), expiresAt: expiryAfterDays(new Date(), 30) }, stack.linkSecret)),
        // Expired: only a rep's link can be (a lead's unsubscribe link works as long as the lead exists).
        fc.constant(signLink({ leadId, purpose: 'contact', repId: 'rep-ana', expiresAt: Math.floor(Date.now() / 1000) - 60 }, stack.linkSecret)),
        fc.nat({ max: 60 }).map((at) => {
          const good = valid(purpose);
          const i = at % good.length;
          return good.slice(0, i) + (good[i] === 'A' ? 'B' : 'A') + good.slice(i + 1);
        }),
        fc.constant(valid(purpose).slice(0, -3)),
      );
    const now = () => Math.floor(Date.now() / 1000);
    const crmHeaders = fc.oneof(
      fc.constant({}),
      fc.record({ 'x-signature': hostileText, 'x-timestamp': hostileText }),
      fc.constant({ 'x-signature': `sha256=${'0'.repeat(64)}`, 'x-timestamp': String(now()) }),
      fc.constant({ 'x-signature': signWebhook('{}', now(), stack.webhookSecret), 'x-timestamp': String(now()) }),
      fc.constant({ 'x-signature': signWebhook(JSON.stringify({ leadId, outcome: 'contacted' }), now(), 'not-the-secret'), 'x-timestamp': String(now()) }),
      fc.constant({ 'x-signature': signWebhook(JSON.stringify({ leadId, outcome: 'contacted' }), now() - 3600, stack.webhookSecret), 'x-timestamp': String(now() - 3600) }),
    );
    const route = fc.constantFrom<LinkPurpose>('contact', 'unsubscribe').chain((purpose) => fc.record({ purpose: fc.constant(purpose), chosen: token(purpose) }));
    // Any bytes, invalid UTF-8 included, percent-encoded as a raw client could send them.
    const percentEncoded = (bytes: Uint8Array) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
    const id = fc.oneof(
      fc.constant(leadId),
      fc.constant(randomUUID()),
      hostileText.map((text) => percentEncoded(Buffer.from(text, 'utf8'))),
      fc.uint8Array({ minLength: 1, maxLength: 40 }).map(percentEncoded),
    );
    const requestBody = fc.oneof(
      fc.constant(undefined),
      fc.constant(JSON.stringify({ leadId, outcome: 'contacted' })),
      leadLike.map((o) => JSON.stringify(o)),
      fc.constant('List-Unsubscribe=One-Click'),
      fc.uint8Array({ maxLength: 100 }).map((bytes) => Buffer.from(bytes)),
      deep,
    );

    await fc.assert(
      fc.asyncProperty(route, fc.constantFrom('GET', 'POST'), id, requestBody, contentTypes, crmHeaders, fc.boolean(), async ({ purpose, chosen }, method, target, payload, contentType, crm, tokenInBody) => {
        const query = chosen !== undefined && !tokenInBody ? `?token=${percentEncoded(Buffer.from(chosen, 'utf8'))}` : '';
        const headers: Record<string, string> = method === 'POST' ? { ...crm } : {};
        if (method === 'POST' && contentType && !/[\r\n]/.test(contentType)) headers['content-type'] = contentType;
        for (const [name, value] of Object.entries(headers)) if (/[\r\n]|[^\x20-\x7e]/.test(value)) delete headers[name];
        let sent: string | Buffer | undefined = method === 'POST' ? payload : undefined;
        if (method === 'POST' && tokenInBody && chosen !== undefined) sent = JSON.stringify({ token: chosen, outcome: 'contacted' });
        const response = await fetch(`${stack.apiUrl}/leads/${target}/${routes[purpose]}${query}`, { method, headers, body: sent });
        const text = await response.text();
        expect(response.status, `${method} ${purpose} -> ${text.slice(0, 200)}`).toBeLessThan(500);
        if (response.status >= 400 && (response.headers.get('content-type') ?? '').startsWith('application/json')) {
          // Ours say which error and what is wrong; a path no route matches (an empty id) gets API Gateway's own 404.
          const answer = JSON.parse(text) as Record<string, unknown>;
          expect(answer.message).toEqual(expect.any(String));
          if (answer.message !== 'Not Found') expect(answer.error).toEqual(expect.any(String));
        }
      }),
      { numRuns: 300 },
    );

    await stack.runner.idle();
    const lead = (await store.leads.getLead(leadId))!;
    expect(lead.contactedAt).toBeUndefined();
    expect(lead.unsubscribedAt).toBeUndefined();
    const changes = (await store.leads.listEvents(leadId)).filter((e) => ['contacted', 'accepted', 'rejected', 'unsubscribed'].includes(e.type));
    expect(changes).toEqual([]);
  });
});

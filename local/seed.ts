import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signWebhook } from '@domain/webhook-signature';
import { keptWebhookSecret } from './data-dir';
import { seedLeads } from './sample-leads';

/**
 * `npm run seed`: posts a realistic mix of leads (hot, warm, cold, a duplicate, an invalid
 * one) to the running local API, then acts as people would on the emails (a rep marks a hot
 * lead contacted from the alert, a lead unsubscribes), then as the CRM would (leads accepted,
 * opportunities in USD and EUR, a deal won, a rejection), so the `npm start` log, the inbox, the
 * dashboard and `npm run report` show every path, a funnel and pipeline by source included. Each lead carries an Idempotency-Key unique to this run, so running it
 * again adds new leads instead of being answered as duplicates of the last run.
 */
const port = process.env.PORT || '3000';
const apiUrl = (process.env.API_URL ?? `http://127.0.0.1:${port}`).replace(/\/+$/, '');
const inboxUrl = `http://127.0.0.1:${process.env.SES_PORT || '8005'}`;
const run = randomBytes(3).toString('hex');
const dataDir = resolve(process.env.LOCAL_DATA_DIR || fileURLToPath(new URL('../.local', import.meta.url)));

interface Answer {
  status: number;
  body: { leadId?: string; duplicate?: boolean; issues?: Array<{ path: string; message: string }>; message?: string };
}

async function post(body: Record<string, unknown>, key: string): Promise<Answer> {
  const response = await fetch(`${apiUrl}/leads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json().catch(() => ({}))) as Answer['body'] };
}

function outcome({ status, body }: Answer): string {
  if (status === 202) return `accepted, lead ${body.leadId?.slice(0, 8)}`;
  if (status === 200 && body.duplicate) return `duplicate of lead ${body.leadId?.slice(0, 8)}`;
  if (status === 400) return `refused: ${(body.issues ?? []).map((issue) => `${issue.path} ${issue.message}`).join('; ')}`;
  return `unexpected: ${JSON.stringify(body)}`;
}

async function main() {
  console.log(`Seeding ${apiUrl}/leads (run ${run})`);
  const keys: string[] = [];
  const leadIds: Array<string | undefined> = [];
  for (const [index, lead] of seedLeads.entries()) {
    const key = lead.repeatOf === undefined ? `seed-${run}-${index}` : keys[lead.repeatOf]!;
    const body = lead.repeatOf === undefined ? lead.body : seedLeads[lead.repeatOf]!.body;
    keys.push(key);
    let answer: Answer;
    try {
      answer = await post(body, key);
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      if (cause?.code === 'ECONNREFUSED') {
        console.error(`Nothing answers on ${apiUrl}: start the product first with \`npm start\` (set PORT here if you moved it).`);
        process.exit(1);
      }
      throw error;
    }
    leadIds.push(answer.status === 202 ? answer.body.leadId : undefined);
    const who = body.email ? `${body.name || '(no name)'} <${body.email}>` : '';
    console.log(`  ${String(answer.status).padEnd(4)} ${lead.expect}\n       ${who}  -> ${outcome(answer)}`);
  }
  const seeded = seedLeads.map((lead, index) => ({ email: String(lead.body.email ?? ''), leadId: leadIds[index] }));
  await actOnEmails(seeded);
  await actInCrm(seeded);
  console.log(`Watch the \`npm start\` log for each lead's sequence, and the inbox (${inboxUrl}) for the emails; \`npm run report\` and the dashboard for the funnel.`);
}

interface Email {
  destination: { to: string[] };
  subject: string;
  body: { text?: string };
}

/** The URL on the line `<label>: <url>` in the first matching email, once it arrives. */
async function linkInInbox(match: (email: Email) => boolean, label: string, timeoutMs = 15_000): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { emails } = (await (await fetch(`${inboxUrl}/store`)).json()) as { emails: Email[] };
    const line = emails.filter(match).flatMap((email) => email.body.text?.split('\n') ?? []).find((l) => l.startsWith(`${label}: `));
    if (line) return line.slice(label.length + 2).trim();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return undefined;
}

/** What people do with the emails: a rep answers the hot-lead alert, a lead unsubscribes. */
async function actOnEmails(leads: Array<{ email: string; leadId?: string }>) {
  const [, founder, manager] = leads;
  console.log('Then, as people would:');
  try {
    const contact = founder?.leadId && (await linkInInbox((e) => /^Hot lead:/.test(e.subject) && (e.body.text ?? '').includes(founder.leadId!), 'Mark as contacted'));
    if (contact) {
      const token = new URL(contact).searchParams.get('token');
      const response = await fetch(contact, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, outcome: 'contacted' }) });
      console.log(`  ${response.status}  the rep marks ${founder.email} contacted from the hot-lead alert: no more follow-ups`);
    } else console.log(`  (no hot-lead alert for ${founder?.email} in ${inboxUrl} yet: skipped the rep's response)`);

    const unsubscribe = manager?.leadId && (await linkInInbox((e) => e.destination.to.includes(manager.email) && (e.body.text ?? '').includes(manager.leadId!), 'Unsubscribe from these emails'));
    if (unsubscribe) {
      // RFC 8058 one-click, as a mail client's unsubscribe button sends it.
      const response = await fetch(unsubscribe, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
      console.log(`  ${response.status}  ${manager.email} unsubscribes with the link in the confirmation: no more follow-ups`);
    } else console.log(`  (no email to ${manager?.email} in ${inboxUrl} yet: skipped the unsubscribe)`);
  } catch (error) {
    console.log(`  (could not read the inbox at ${inboxUrl}: ${(error as Error).message}; set SES_PORT if you moved it)`);
  }
}

await main();

/** A request signed as a CRM signs our webhook (docs/crm.md): X-Timestamp and X-Signature over the raw body. */
async function signedPost(secret: string, leadId: string, route: 'contact' | 'outcome', body: Record<string, unknown>): Promise<number> {
  const raw = JSON.stringify({ leadId, ...body });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const response = await fetch(`${apiUrl}/leads/${leadId}/${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-timestamp': timestamp, 'x-signature': signWebhook(raw, timestamp, secret) },
    body: raw,
  });
  return response.status;
}

/**
 * What happens next in the CRM, through our signed webhook: the VP (google) is accepted, becomes
 * a 24,000 USD opportunity and is won; the founder (direct) is accepted and is a 9,000 EUR
 * opportunity; the student (linkedin) is rejected as "no timeline". Times are a little apart, in
 * order, so the stages read as a CRM would send them.
 */
async function actInCrm(leads: Array<{ email: string; leadId?: string }>) {
  const secret = process.env.CRM_WEBHOOK_SECRET || keptWebhookSecret(dataDir);
  if (!secret) return console.log(`  (no CRM webhook secret in ${dataDir} and no CRM_WEBHOOK_SECRET: skipped the CRM's outcomes)`);
  const [vp, founder, , student] = leads;
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
  const steps: Array<[typeof vp, 'contact' | 'outcome', Record<string, unknown>, string]> = [
    [vp, 'contact', { outcome: 'accepted', repId: 'rep-ana', note: 'Qualified: budget approved for Q1' }, 'accepted in the CRM'],
    [vp, 'outcome', { stage: 'opportunity', amount: 24_000, currency: 'USD', at: at(3) }, 'an opportunity of 24,000 USD'],
    [vp, 'outcome', { stage: 'won', amount: 24_000, currency: 'USD', at: at(1) }, 'won, 24,000 USD'],
    [founder, 'contact', { outcome: 'accepted' }, 'accepted in the CRM'],
    [founder, 'outcome', { stage: 'opportunity', amount: 9000, currency: 'EUR', at: at(2) }, 'an opportunity of 9,000 EUR'],
    [student, 'contact', { outcome: 'rejected', reason: 'no-timeline' }, 'rejected in the CRM: no timeline'],
  ];
  console.log('Then, as the CRM would (signed webhook):');
  for (const [lead, route, body, what] of steps) {
    if (!lead?.leadId) continue;
    const status = await signedPost(secret, lead.leadId, route, body);
    console.log(`  ${status}  ${lead.email} ${status === 200 ? what : `refused (${what}): is CRM_WEBHOOK_SECRET the one \`npm start\` was given?`}`);
  }
}

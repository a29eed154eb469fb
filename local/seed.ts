import { randomBytes } from 'node:crypto';
import { seedLeads } from './sample-leads';

/**
 * `npm run seed`: posts a realistic mix of leads (hot, warm, cold, a duplicate, an invalid
 * one) to the running local API, then acts as people would on the emails (a rep marks a hot
 * lead contacted from the alert, a lead unsubscribes), so the `npm start` log and the inbox
 * show every path. Each lead carries an Idempotency-Key unique to this run, so running it
 * again adds new leads instead of being answered as duplicates of the last run.
 */
const port = process.env.PORT || '3000';
const apiUrl = (process.env.API_URL ?? `http://127.0.0.1:${port}`).replace(/\/+$/, '');
const inboxUrl = `http://127.0.0.1:${process.env.SES_PORT || '8005'}`;
const run = randomBytes(3).toString('hex');

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
  await actOnEmails(seedLeads.map((lead, index) => ({ email: String(lead.body.email ?? ''), leadId: leadIds[index] })));
  console.log(`Watch the \`npm start\` log for each lead's sequence, and the inbox (${inboxUrl}) for the emails.`);
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

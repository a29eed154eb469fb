import { parseArgs } from 'node:util';
import { runIfMain, storeFlags, UsageError, withLeadStore } from './ops-cli';

/**
 * `npm run forget -- <email>`: erases everything stored about one person (GDPR erasure):
 * every lead they submitted, its timeline and its repeat-submission guards, then checks that
 * none remain. Local stack by default; `--table <name>` for the table in AWS. Emails already
 * sent stay in SES's own logs.
 */
const USAGE = 'Usage: npm run forget -- <email> [--table <name>] [--endpoint <url>] [--region <region>]';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: storeFlags, allowPositionals: true });
  const email = positionals[0]?.trim().toLowerCase();
  if (!email || positionals.length > 1 || !/^[^@\s]+@[^@\s]+$/.test(email)) throw new UsageError(USAGE);
  await withLeadStore(values, async ({ store, where }) => {
    const leads = await store.leadsOf(email);
    let items = 0;
    for (const leadId of leads) items += await store.eraseLead(leadId);
    const left = await store.leadsOf(email);
    if (left.length > 0) throw new Error(`Still found ${left.length} lead(s) for this address after erasing: run it again`);
    console.log(`Erased ${leads.length} lead(s) and ${items} item(s) for this address from ${where}; none remain.`);
  });
}

await runIfMain(import.meta.url, main);

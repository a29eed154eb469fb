import { parseArgs } from 'node:util';
import { openLeadStore, storeFlags, UsageError } from './ops-cli';

/**
 * `npm run forget -- <email>`: erases everything stored about one person (GDPR erasure):
 * every lead they submitted, its timeline and its repeat-submission guards. Local stack by
 * default; `--table <name>` for the table in AWS. Emails already sent stay with SES's logs.
 */
async function main(argv: string[]) {
  const { values, positionals } = parseArgs({ args: argv, options: storeFlags, allowPositionals: true });
  const email = positionals[0]?.trim().toLowerCase();
  if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) throw new UsageError('Usage: npm run forget -- <email> [--table <name>] [--endpoint <url>]');
  const { store, where, close } = openLeadStore(values);
  try {
    const leads = await store.leadsOf(email);
    let items = 0;
    for (const leadId of leads) items += await store.eraseLead(leadId);
    const left = await store.leadsOf(email);
    if (left.length > 0) throw new Error(`Still found ${left.length} lead(s) for this address after erasing: run again`);
    console.log(`Erased ${leads.length} lead(s) and ${items} item(s) for this address from ${where}; none remain.`);
  } finally {
    close();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(error instanceof UsageError ? 2 : 1);
});

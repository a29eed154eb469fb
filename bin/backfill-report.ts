import { parseArgs } from 'node:util';
import { runIfMain, stageConfig, storeFlags, UsageError, withLeadStore } from './ops-cli';

/**
 * `npm run backfill-report`: puts every lead stored before the dashboard's digest existed into
 * it (its place on its day's counter, its report record), so the dashboard and `npm run
 * report` count it; run it once after deploying the digest. `--rewrite` writes every lead's
 * record again too (to repair a digest, or after the record's shape changed). One pass over
 * the table's leads (a Scan: an ops command, never a request path), safe beside live traffic
 * (a lead's newest record wins) and safe to run again. Local stack by default; `--table
 * <name>` for the table in AWS (the stage's retention sets the digest's expiry).
 */
const USAGE = `Usage: npm run backfill-report -- [--rewrite] [--stage dev] [--table <name> | --endpoint <url>] [--region <region>]`;

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({ options: { ...storeFlags, rewrite: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  if (values.help) return console.log(USAGE);
  const config = stageConfig(values);
  await withLeadStore(
    values,
    async ({ store, where }) => {
      const done = await store.backfillReport({ rewrite: values.rewrite, onProgress: (leads) => process.stderr.write(`\r${leads} leads read`) });
      process.stderr.write('\n');
      console.log(`Read ${done.leads} lead(s) in ${where}: ${done.placed} put into the dashboard's digest, ${done.rewritten} rewritten, ${done.leads - done.placed - done.rewritten} already there.`);
    },
    config.retentionDays,
  );
}

await runIfMain(import.meta.url, main);

import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbLeadStore } from '@adapters/dynamodb-lead-store';
import { reportRecordOf } from '@domain/report-record';
import { dashboard, dayOf, reportRecordsBetween } from '@domain/reports';
import { loadConfig } from '../lib/config';
import { synthTemplate } from '../lib/synth';
import { ensureTable, startEmulators, tableDefinition } from '../local/emulators';
import type { CfnTemplate } from '../local/template';
import { dashboardLeads, writeLeads } from './dashboard-data';
import { median, percentile, round } from './util';

/**
 * Can the dashboard read its leads' report records and still answer in p95 < 1 s over 90 days
 * and 100,000 leads? Measures dashboard() alone (pure compute, on the records), then reading
 * the records from the digest in dynalite (in a process of its own, as `npm start` runs it).
 * Prints the figures; it writes no results file (not part of `npm run bench`).
 *
 *   npx tsx bench/dashboard.ts [--leads 100000] [--days 90] [--runs 20] [--reads 5] [--in-process] [--compute-only]
 */
const { values } = parseArgs({
  options: {
    leads: { type: 'string', default: '100000' },
    days: { type: 'string', default: '90' },
    runs: { type: 'string', default: '20' },
    reads: { type: 'string', default: '5' },
    'in-process': { type: 'boolean', default: false },
    'compute-only': { type: 'boolean', default: false },
  },
});
const count = Number(values.leads);
const days = Number(values.days);
const config = loadConfig('dev');
const now = new Date();
const range = { from: dayOf(new Date(now.getTime() - days * 86_400_000)), to: dayOf(now) };

// Wall time and this process's CPU time: on a shared machine the CPU time shows what the work costs without the wait for a core.
const timed = async <T>(run: () => T | Promise<T>): Promise<{ ms: number; cpuMs: number; value: T }> => {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const value = await run();
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000, value };
};
const summary = (samples: number[], cpu: number[]) => ({
  runs: samples.length, medianMs: round(median(samples)), p95Ms: round(percentile(samples, 95)), maxMs: round(Math.max(...samples)), medianCpuMs: round(median(cpu)), p95CpuMs: round(percentile(cpu, 95)),
});

const generated = await timed(() => dashboardLeads(count, { days, reps: config.reps, now, seed: 42 }));
const leads = generated.value;
const records = leads.map(reportRecordOf);
console.log(`generated ${leads.length} leads over ${days} days (${range.from} to ${range.to}) in ${round(generated.ms)} ms; mean item ${round(JSON.stringify(leads).length / leads.length, 0)} bytes of JSON`);

// Pure compute: what the API's handler spends once it holds the leads.
const computeRuns = async (filters: Parameters<typeof dashboard>[2]) => {
  for (let i = 0; i < 2; i++) dashboard(records, range, filters, config.slaMinutes, now, config.reps); // warm-up: JIT
  const samples: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < Number(values.runs); i++) {
    const run = await timed(() => dashboard(records, range, filters, config.slaMinutes, now, config.reps));
    samples.push(run.ms);
    cpu.push(run.cpuMs);
  }
  return summary(samples, cpu);
};
const view = dashboard(records, range, {}, config.slaMinutes, now, config.reps);
console.log(`the view: ${view.total.leads} leads, within SLA ${view.total.withinSlaPercent}%, acceptance ${view.total.acceptancePercent}%, bounced ${view.total.bounced}, ignored now ${view.ignoredNow.reduce((n, r) => n + r.leads, 0)}, ${view.weekly.length} weeks`);
console.log('dashboard() unfiltered', await computeRuns({}));
console.log('dashboard() grade=hot', await computeRuns({ grade: 'hot' }));

if (values['compute-only']) process.exit(0);

// Reading: the same leads in dynalite, their records read back from the digest.
const emulators = await startEmulators({ inProcess: values['in-process'] });
const client = new DynamoDBClient({ endpoint: emulators.dynamo.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 3 });
try {
  const tableName = 'speed-to-lead-bench';
  await ensureTable(emulators.dynamo.url, tableDefinition(synthTemplate(config) as CfnTemplate, tableName));
  const db = DynamoDBDocumentClient.from(client);
  const written = await timed(() => writeLeads({ db, tableName }, leads));
  console.log(`wrote ${leads.length} leads in ${round(written.ms / 1000)} s (${round(leads.length / (written.ms / 1000), 0)} leads/s, BatchWrite of 25, 8 in flight)`);

  const store = new DynamoDbLeadStore(db, tableName, 400);
  for (const daysAtOnce of [92, 31]) {
    const samples: number[] = [];
    const cpu: number[] = [];
    const dynaliteBefore = (await emulators.usage())?.cpuMs;
    for (let i = 0; i < Number(values.reads); i++) {
      const read = await timed(() => reportRecordsBetween(store, range, { daysAtOnce }));
      if (read.value.length !== view.total.leads) throw new Error(`read ${read.value.length} leads, wrote ${view.total.leads} in the period`);
      samples.push(read.ms);
      cpu.push(read.cpuMs);
    }
    const dynaliteAfter = (await emulators.usage())?.cpuMs;
    const dynaliteCpu = dynaliteBefore === undefined || dynaliteAfter === undefined ? {} : { dynaliteCpuMsPerRead: round((dynaliteAfter - dynaliteBefore) / samples.length) };
    console.log(`read ${view.total.leads} report records from the digest, ${daysAtOnce} days per read (BatchGetItem)`, { ...summary(samples, cpu), ...dynaliteCpu });
  }
  const endToEnd = await timed(async () => dashboard(await reportRecordsBetween(store, range), range, {}, config.slaMinutes, now, config.reps));
  console.log(`read + dashboard(), once: ${round(endToEnd.ms)} ms`);
  const usage = await emulators.usage();
  if (usage) console.log(`dynalite's process: ${round(usage.rss / 1_048_576, 0)} MB resident, ${round(usage.cpuMs / 1000)} s CPU`);
} finally {
  client.destroy();
  await emulators.close();
}

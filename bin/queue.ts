import { parseArgs } from 'node:util';
import { type LeadsByOwner, QUEUE_DAYS, type QueuedLead, recentLeadsOf, repQueue } from '@domain/queue';
import { formatDuration, type Sla } from '@domain/sla';
import { runIfMain, stageConfig, storeFlags, UsageError, withLeadStore } from './ops-cli';

/**
 * `npm run queue -- <repId>`: the leads a rep owns that still wait for a first answer, the one
 * whose SLA ends soonest (or ended longest ago) first. The rule is functions/domain/queue.ts;
 * this file only reads (the byOwner index, never a scan) and prints.
 */
const USAGE = `Usage: npm run queue -- <repId> [--days 30] [--json] [--stage dev] [--table <name> | --endpoint <url>]
  A rep's leads submitted in the last --days days that nobody has answered yet, soonest due first.
  Reads the local stack (npm start) by default; --table reads that table in AWS.`;

/** The rep's queue as of `now`, over the leads submitted in the `days` before it. */
export async function readQueue(source: LeadsByOwner, repId: string, days: number, sla: Sla, now: Date): Promise<QueuedLead[]> {
  return repQueue(await recentLeadsOf(source, repId, days, now), sla, now);
}

/** `overdue 1h 05m` or `12m 30s left`. */
export const timeLeft = (seconds: number): string => (seconds < 0 ? `overdue ${formatDuration(-seconds)}` : `${formatDuration(seconds)} left`);

export function formatQueue(repId: string, queue: readonly QueuedLead[]): string {
  if (queue.length === 0) return `${repId}: no lead waits for a first answer.`;
  const overdue = queue.filter((lead) => lead.secondsLeft < 0).length;
  const rows = queue.map((lead) => [
    timeLeft(lead.secondsLeft),
    `${lead.grade}${lead.score === undefined ? '' : ` ${lead.score}`}`,
    [lead.name, lead.jobTitle, lead.company].filter(Boolean).join(', ') + (lead.escalated ? ' (escalated to you)' : ''),
    lead.leadId,
  ]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  return [
    `${repId}: ${queue.length} lead${queue.length === 1 ? '' : 's'} waiting for a first answer, ${overdue} overdue`,
    ...rows.map((row) => `  ${row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join('  ')}`),
  ].join('\n');
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, options: { ...storeFlags, days: { type: 'string', default: String(QUEUE_DAYS) }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) return console.log(USAGE);
  const [repId, ...extra] = positionals;
  if (!repId || extra.length > 0) throw new UsageError(USAGE);
  const days = Number(values.days);
  if (!Number.isInteger(days) || days < 1 || days > 366) throw new UsageError(`--days must be a whole number from 1 to 366, got "${values.days}"`);
  const config = stageConfig(values);
  if (!config.reps.some((rep) => rep.id === repId)) throw new UsageError(`"${repId}" is not a rep of stage ${config.stage}: ${config.reps.map((rep) => rep.id).join(', ')}`);

  await withLeadStore(values, async ({ store }) => {
    const queue = await readQueue(store, repId, days, config.slaMinutes, new Date());
    console.log(values.json ? JSON.stringify(queue, null, 2) : formatQueue(repId, queue));
  });
}

await runIfMain(import.meta.url, main);

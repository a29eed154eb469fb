import { parseArgs } from 'node:util';
import type { Lead } from '@domain/lead';
import type { TimelineEvent } from '@domain/ports';
import { firstContactOf, formatDuration, minutesText, repOf, type Sla, sourceOf } from '@domain/sla';
import { runIfMain, stageConfig, storeFlags, UsageError, withLeadStore } from './ops-cli';

/**
 * `npm run lead -- <leadId>`: one lead and everything that happened to it, in order, as sales
 * and marketing would read it. `--json` prints the lead and its timeline as stored.
 */
const USAGE = `Usage: npm run lead -- <leadId> [--json] [--stage dev] [--table <name> | --endpoint <url>]
  Reads the local stack (npm start) by default; --table reads that table in AWS.`;

const when = (iso: string) => iso.replace('T', ' ').replace(/Z$/, '');

/** Events written in the same millisecond read in the order they happen (the store sorts them by name). */
const SAME_INSTANT = ['submitted', 'scored', 'assigned'];
const sameInstantRank = (type: string) => (SAME_INSTANT.indexOf(type) + 1 || SAME_INSTANT.length + 1);

/** An event's detail in words: `reason no-budget, via crm`. */
function describeDetail(event: TimelineEvent): string {
  const detail = event.detail ?? {};
  if (event.type === 'scored') return `score ${detail.score} (${detail.grade}): ${Array.isArray(detail.reasons) ? detail.reasons.join('; ') : ''}`;
  if (event.type === 'assigned') return `to ${detail.ownerId}${detail.rule ? ` (${detail.rule})` : ''}`;
  return Object.entries(detail)
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([key, value]) => `${key} ${Array.isArray(value) ? value.join('; ') : typeof value === 'string' && /\s/.test(value) ? JSON.stringify(value) : value}`)
    .join(', ');
}

/** The SLA verdict of the lead, e.g. "first contact after 7m 12s (hot SLA 15m: met)". */
function contactLine(lead: Lead, sla: Sla, now: Date): string {
  const { seconds, slaStatus } = firstContactOf(lead, sla, now);
  const limit = lead.grade ? `${lead.grade} SLA ${minutesText(sla[lead.grade])}` : 'no grade, no SLA';
  const contact = seconds === undefined ? 'not contacted yet' : `first contact after ${formatDuration(seconds)}${lead.contactedBy ? ` by ${lead.contactedBy}` : ''}`;
  return `${contact} (${limit}: ${slaStatus})`;
}

export function formatLead(lead: Lead, events: readonly TimelineEvent[], sla: Sla, now: Date): string {
  const submitted = Date.parse(lead.submittedAt);
  const who = [lead.jobTitle, lead.company].filter(Boolean).join(', ');
  const lines = [
    `Lead ${lead.leadId}: ${lead.name} <${lead.email}>${who ? `, ${who}` : ''}`,
    `  source ${sourceOf(lead)} · ${lead.grade ? `${lead.grade} (score ${lead.score})` : 'not scored'} · owner ${repOf(lead)} · status ${lead.status}${lead.outcome ? ` · outcome ${lead.outcome}${lead.rejectReason ? ` (${lead.rejectReason})` : ''}` : ''}`,
    `  submitted ${when(lead.submittedAt)} · ${contactLine(lead, sla, now)}`,
    '',
    'Timeline',
  ];
  const rows = [...events]
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : sameInstantRank(a.type) - sameInstantRank(b.type)))
    .map((event) => [when(event.at), `+${formatDuration(Math.max(0, (Date.parse(event.at) - submitted) / 1000))}`, event.actor, event.type, describeDetail(event)]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]!.length), 0));
  for (const row of rows) lines.push(`  ${row.slice(0, 4).map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}  ${row[4]}`.trimEnd());
  if (rows.length === 0) lines.push('  (no events)');
  return lines.join('\n');
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ options: { ...storeFlags, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) return console.log(USAGE);
  const [leadId, ...extra] = positionals;
  if (!leadId || extra.length > 0) throw new UsageError(USAGE);

  const config = stageConfig(values);
  await withLeadStore(values, async ({ store, where }) => {
    const lead = await store.getLead(leadId);
    if (!lead) {
      console.error(`No lead ${leadId} in ${where}.`);
      process.exitCode = 1;
      return;
    }
    const events = await store.listEvents(leadId);
    console.log(values.json ? JSON.stringify({ lead, timeline: events }, null, 2) : formatLead(lead, events, config.slaMinutes, new Date()));
  });
}

await runIfMain(import.meta.url, main);

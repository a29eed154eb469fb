import { parseArgs } from 'node:util';
import type { DynamoDbLeadStore } from '@adapters/dynamodb-lead-store';
import type { Lead } from '@domain/lead';
import type { TimelineEvent } from '@domain/ports';
import { type LeadFacts, type LeadVerdict, type PathRules, reconcileLead, type StoredEmail } from '@domain/lead-path';
import { touchesOf } from '@domain/sequence';
import type { DeployConfig } from '../lib/config';
import { runIfMain, stageConfig, storeFlags, UsageError, withLeadStore } from './ops-cli';
import { compileEmails } from '../lib/emails';

/**
 * `npm run reconcile`: for every lead in the table, what its path requires (the rule is
 * functions/domain/lead-path.ts) against what the SES emulator stored and what the timeline
 * says; leads per path, the mismatches, and the leads whose sequence never closed. Exits 1 on
 * any mismatch or stuck lead. Reads the local stack (`npm start`, or a soak's).
 */
const USAGE = `Usage: npm run reconcile -- [--ses <url>] [--since <ISO time>] [--race-ms 2000] [--open-ok] [--show 5] [--json] [--stage dev] [--endpoint <url>]
  Reads the local stack's DynamoDB (DYNAMODB_PORT, 8000) and its SES inbox (SES_PORT, 8005).
  --since      only leads submitted (and emails stored) from then on: the inbox is in memory, so
               after a restart of npm start it holds only what was sent since
  --race-ms    how close (ms) a claim and a rep's response may be and land in either order
  --open-ok    leads whose sequence has not closed yet (the stack is busy) do not fail the run
  --show       how many mismatched leads to list`;

/** What the emulator's GET /store returns for an email (the fields used here). */
interface InboxEmail {
  messageId: string;
  destination: { to: string[] };
  subject: string;
  body?: { text?: string };
  at: number;
}

export interface ReconcileSources {
  store: Pick<DynamoDbLeadStore, 'everyLeadWithTimeline'>;
  /** The SES emulator (its GET /store). */
  sesUrl: string;
  rules: PathRules;
  /** The stack is idle: a lead whose sequence has not closed is stuck. */
  settled: boolean;
  since?: Date;
  /** What a run knows beyond the record: when each step's task finished, when the stop was answered. */
  runFacts?: (leadId: string) => Pick<LeadFacts, 'stepsFinishedAt' | 'stopAnsweredAt'>;
  /** Hears each lead's verdict, with the record and timeline it was drawn from (the soak compares each path and repeat with its plan). */
  onLead?: (verdict: LeadVerdict, facts: { lead: Lead; timeline: readonly TimelineEvent[] }) => void;
}

export interface PathCount {
  path: string;
  leads: number;
  ok: number;
}

export interface Reconciliation {
  leads: number;
  ok: number;
  paths: PathCount[];
  mismatched: Array<{ leadId: string; path: string; problems: string[] }>;
  stuck: Array<{ leadId: string; path: string }>;
  emails: { stored: number; byStep: Record<string, number>; unexplained: Array<{ to: string; subject: string }> };
}

/** The rules of a stage's deploy config. */
export const pathRulesOf = (config: DeployConfig, raceMs: number): PathRules => ({
  touches: touchesOf(config.sequence, config.slaMinutes.hot),
  hotSlaMinutes: config.slaMinutes.hot,
  reps: config.reps,
  ...(config.routing?.teamLead ? { teamLead: config.routing.teamLead } : {}),
  raceMs,
  emails: compileEmails(config),
});

async function inbox(sesUrl: string, since?: Date): Promise<InboxEmail[]> {
  const query = since ? `?since=${Math.floor(since.getTime() / 1000)}` : '';
  const response = await fetch(`${sesUrl}/store${query}`);
  if (!response.ok) throw new Error(`The SES emulator at ${sesUrl} answered ${response.status} to GET /store`);
  return ((await response.json()) as { emails: InboxEmail[] }).emails;
}

// Lead emails carry the unsubscribe link, rep emails the contact link: both name the lead.
const LINKED_LEAD = /\/leads\/([A-Za-z0-9_-]+)\/(?:contact|unsubscribe)\b/;
// The team lead's notice names the lead by address only.
const NAMED_LEAD = /^Lead: ([^\s,]+)/m;

/**
 * Reads every lead and every stored email, tells each email's lead (by the message id its
 * record kept, else by the link or address in it), and checks each lead.
 */
export async function reconcile(sources: ReconcileSources): Promise<Reconciliation> {
  const since = sources.since?.toISOString();
  const [all, emails] = await Promise.all([sources.store.everyLeadWithTimeline(), inbox(sources.sesUrl, sources.since)]);
  const leads = since ? all.filter(({ lead }) => lead.submittedAt >= since) : all;

  // The SES emulator's ids are random 9-digit numbers, so in a long run two emails can share
  // one: an id names a list of leads, and the email's own link or recipient picks among them.
  const byMessage = new Map<string, string[]>();
  const addressOf = new Map<string, string>();
  const byAddress = new Map<string, string[]>();
  const known = new Set<string>();
  for (const { lead } of leads) {
    known.add(lead.leadId);
    addressOf.set(lead.leadId, lead.email.toLowerCase());
    for (const step of Object.values(lead.steps)) if (step?.messageId) byMessage.set(step.messageId, [...(byMessage.get(step.messageId) ?? []), lead.leadId]);
    byAddress.set(lead.email, [...(byAddress.get(lead.email) ?? []), lead.leadId]);
  }
  const onlyLeadOf = (address: string | undefined) => {
    const ids = address ? byAddress.get(address.toLowerCase()) : undefined;
    return ids?.length === 1 ? ids[0] : undefined;
  };
  const emailsOf = new Map<string, StoredEmail[]>();
  const unexplained: Reconciliation['emails']['unexplained'] = [];
  for (const email of emails) {
    const linked = LINKED_LEAD.exec(email.body?.text ?? '')?.[1];
    const sharing = byMessage.get(email.messageId) ?? [];
    const byId =
      sharing.length <= 1
        ? sharing[0]
        : (sharing.find((id) => id === linked) ?? sharing.find((id) => email.destination.to.some((to) => to.toLowerCase() === addressOf.get(id))));
    const leadId =
      byId ??
      (linked && known.has(linked) ? linked : undefined) ??
      email.destination.to.map(onlyLeadOf).find(Boolean) ??
      onlyLeadOf(NAMED_LEAD.exec(email.body?.text ?? '')?.[1]);
    const stored: StoredEmail = { messageId: email.messageId, to: email.destination.to, subject: email.subject };
    if (leadId) emailsOf.set(leadId, [...(emailsOf.get(leadId) ?? []), stored]);
    else unexplained.push({ to: email.destination.to.join(', '), subject: email.subject });
  }

  const paths = new Map<string, PathCount>();
  const report: Reconciliation = { leads: leads.length, ok: 0, paths: [], mismatched: [], stuck: [], emails: { stored: emails.length, byStep: {}, unexplained } };
  for (const { lead, timeline } of leads) {
    const verdict = reconcileLead({ lead, timeline, emails: emailsOf.get(lead.leadId) ?? [], settled: sources.settled, ...sources.runFacts?.(lead.leadId) }, sources.rules);
    sources.onLead?.(verdict, { lead, timeline });
    const count = paths.get(verdict.path) ?? paths.set(verdict.path, { path: verdict.path, leads: 0, ok: 0 }).get(verdict.path)!;
    count.leads += 1;
    const ok = verdict.problems.length === 0 && !verdict.stuck;
    if (ok) {
      count.ok += 1;
      report.ok += 1;
    }
    if (verdict.problems.length > 0) report.mismatched.push({ leadId: lead.leadId, path: verdict.path, problems: verdict.problems });
    if (verdict.stuck) report.stuck.push({ leadId: lead.leadId, path: verdict.path });
    for (const [step, record] of Object.entries(lead.steps)) if (record?.status === 'sent') report.emails.byStep[step] = (report.emails.byStep[step] ?? 0) + 1;
  }
  report.paths = [...paths.values()].sort((a, b) => b.leads - a.leads || a.path.localeCompare(b.path));
  return report;
}

/** Nothing wrong: every lead got exactly what its path requires, none is stuck, every email is explained. */
export const reconciled = (report: Reconciliation) => report.mismatched.length === 0 && report.stuck.length === 0 && report.emails.unexplained.length === 0;

export function formatReconciliation(report: Reconciliation, show = 5): string {
  const width = Math.max(4, ...report.paths.map((p) => p.path.length));
  const lines = [
    `${report.leads} leads, ${report.ok} OK, ${report.mismatched.length} with mismatches, ${report.stuck.length} stuck; ${report.emails.stored} emails stored, ${report.emails.unexplained.length} that no lead explains`,
    '',
    `  ${'path'.padEnd(width)}  leads     OK`,
    ...report.paths.map((p) => `  ${p.path.padEnd(width)}  ${String(p.leads).padStart(5)}  ${String(p.ok).padStart(5)}`),
  ];
  if (report.mismatched.length > 0) {
    lines.push('', `Mismatches (first ${Math.min(show, report.mismatched.length)} of ${report.mismatched.length}):`);
    for (const lead of report.mismatched.slice(0, show)) lines.push(`  lead ${lead.leadId} (${lead.path})`, ...lead.problems.map((problem) => `    - ${problem}`));
  }
  if (report.stuck.length > 0) {
    lines.push('', `Stuck: sequence not closed although the stack is idle (first ${Math.min(show, report.stuck.length)} of ${report.stuck.length}):`);
    for (const lead of report.stuck.slice(0, show)) lines.push(`  lead ${lead.leadId} (${lead.path})`);
  }
  if (report.emails.unexplained.length > 0) {
    lines.push('', `Emails no lead explains (first ${Math.min(show, report.emails.unexplained.length)} of ${report.emails.unexplained.length}):`);
    for (const email of report.emails.unexplained.slice(0, show)) lines.push(`  "${email.subject}" to ${email.to}`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        ...storeFlags,
        ses: { type: 'string' },
        since: { type: 'string' },
        'race-ms': { type: 'string', default: '2000' },
        'open-ok': { type: 'boolean', default: false },
        show: { type: 'string', default: '5' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const { values } = parsed;
  if (values.help) return console.log(USAGE);
  const raceMs = Number(values['race-ms']);
  const show = Number(values.show);
  if (!Number.isFinite(raceMs) || raceMs < 0) throw new UsageError(`--race-ms must be a number of ms >= 0, got "${values['race-ms']}"`);
  if (!Number.isInteger(show) || show < 0) throw new UsageError(`--show must be a whole number, got "${values.show}"`);
  const since = values.since === undefined ? undefined : new Date(values.since);
  if (since && Number.isNaN(since.getTime())) throw new UsageError(`--since must be a time like 2026-11-02T09:00:00Z, got "${values.since}"`);
  const sesUrl = (values.ses ?? `http://127.0.0.1:${process.env.SES_PORT || 8005}`).replace(/\/+$/, '');
  const rules = pathRulesOf(stageConfig(values), raceMs);

  await withLeadStore(values, async ({ store }) => {
    let report: Reconciliation;
    try {
      report = await reconcile({ store, sesUrl, rules, settled: !values['open-ok'], ...(since ? { since } : {}) });
    } catch (error) {
      if (/ECONNREFUSED|fetch failed/.test(String((error as { cause?: unknown }).cause ?? error))) {
        throw new Error(`No SES emulator answers at ${sesUrl}: start the product with \`npm start\` (or set SES_PORT / --ses).`, { cause: error });
      }
      throw error;
    }
    console.log(values.json ? JSON.stringify(report, null, 2) : formatReconciliation(report, show));
    if (!reconciled(report)) process.exitCode = 1;
  });
}

await runIfMain(import.meta.url, main);

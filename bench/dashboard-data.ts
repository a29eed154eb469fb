import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { digestOf } from '@adapters/report-digest';
import type { Lead, LeadGrade, RepOutcome } from '@domain/lead';
import { reportRecordOf } from '@domain/report-record';
import { REJECT_REASONS } from '@domain/rep-response';
import { emailDomain } from '@domain/scoring';
import { defaultSla, type Sla } from '@domain/sla';

/**
 * Seeded leads for the dashboard's benches and end-to-end tests: a realistic mix of grades,
 * sources, campaigns and forms, contacted in time or late, accepted or rejected with a reason,
 * unsubscribed, bounced, complained, disqualified, or still open past their SLA; accepted leads
 * become opportunities in EUR or USD, won or lost. The same seed
 * gives the same leads, so a bench's numbers and a test's expectations are repeatable.
 */

const DAY_MS = 86_400_000;

/** mulberry32: a tiny, fast, seedable generator; good enough for test data, not for secrets. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** One of the choices, by weight. */
function weighted<T>(next: () => number, choices: ReadonlyArray<readonly [T, number]>): T {
  const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
  let pick = next() * total;
  for (const [choice, weight] of choices) if ((pick -= weight) < 0) return choice;
  return choices.at(-1)![0];
}

// Where leads come from: utm_source, its campaigns, and the forms they land on (undefined: none).
const SOURCES: ReadonlyArray<readonly [{ source?: string; campaigns: Array<string | undefined> }, number]> = [
  [{ source: 'google', campaigns: ['brand', 'competitor', 'generic-crm', undefined] }, 35],
  [{ source: 'linkedin', campaigns: ['abm-enterprise', 'webinar-q4', 'retargeting'] }, 20],
  [{ campaigns: [undefined] }, 20],
  [{ source: 'bing', campaigns: ['brand', undefined] }, 8],
  [{ source: 'newsletter', campaigns: ['monthly', 'product-launch'] }, 10],
  [{ source: 'partner', campaigns: [undefined, 'reseller'] }, 7],
];
const FORMS: ReadonlyArray<readonly [string | undefined, number]> = [['demo-request', 40], ['pricing', 25], ['contact', 20], ['webinar', 10], [undefined, 5]];
const GRADES: ReadonlyArray<readonly [LeadGrade | undefined, number]> = [['hot', 20], ['warm', 35], ['cold', 43], [undefined, 2]];
const REASONS: ReadonlyArray<readonly [string, number]> = REJECT_REASONS.map((reason, i) => [reason, [20, 15, 20, 15, 10, 12, 8][i] ?? 5] as const);
const COMPANIES = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark', 'Wayne', 'Wonka', 'Tyrell', 'Cyberdyne'];

export interface DashboardDataOptions {
  /** Leads are submitted over the `days` days before `now`. */
  days: number;
  reps: ReadonlyArray<{ id: string; name: string; email?: string }>;
  now: Date;
  seed: number;
  /** The SLA the contact times are drawn around (in time or late); the product's default when absent. */
  sla?: Sla;
}

/** `count` leads, oldest first, the same for the same options. */
export function dashboardLeads(count: number, options: DashboardDataOptions): Lead[] {
  const next = random(options.seed);
  // Deals draw from a generator of their own, so adding them left every other figure of a seed as it was.
  const nextDeal = random(options.seed ^ 0x5eed_d3a1);
  const sla = options.sla ?? defaultSla;
  const nowMs = options.now.getTime();
  const start = nowMs - options.days * DAY_MS;
  const times = Array.from({ length: count }, () => Math.floor(start + next() * (nowMs - start))).sort((a, b) => a - b);
  return times.map((submittedMs, i): Lead => {
    const n = String(i).padStart(6, '0');
    const submittedAt = new Date(submittedMs).toISOString();
    const { source, campaigns } = weighted(next, SOURCES);
    const campaign = campaigns[Math.floor(next() * campaigns.length)];
    const formId = weighted(next, FORMS);
    const grade = weighted(next, GRADES);
    const rep = options.reps[Math.floor(next() * options.reps.length)]!;
    const company = COMPANIES[Math.floor(next() * COMPANIES.length)]!;
    const email = `lead-${options.seed}-${n}@${company.toLowerCase()}.example`;
    const lead: Lead = {
      leadId: `bench-${options.seed}-${n}`,
      email,
      name: `Lead ${n}`,
      company,
      submittedAt,
      status: 'new',
      schedule: { hotAlertAt: new Date(submittedMs + 5 * 60_000).toISOString(), escalateAt: new Date(submittedMs + sla.hot * 60_000).toISOString(), followUps: {} },
      steps: {},
      ...(source ? { utm_source: source } : {}),
      ...(campaign ? { utm_campaign: campaign } : {}),
      ...(formId ? { formId } : {}),
    };
    if (!grade) return lead; // not scored yet
    Object.assign(lead, { grade, score: scoreOf(grade, nextDeal()), scoredAt: submittedAt, ownerId: rep.id, ownerName: rep.name, ownerRule: 'round-robin' });
    const ageMs = nowMs - submittedMs;
    const limitMs = sla[grade] * 60_000;

    const fate = next();
    if (fate < 0.03) return { ...lead, status: 'disqualified', triage: { decision: 'disqualify', reason: 'free email domain' } };
    if (fate < 0.05) return { ...lead, status: 'bounced', bouncedAt: new Date(submittedMs + 2000).toISOString(), emailProblem: 'bounce', emailProblemAt: new Date(submittedMs + 2000).toISOString() };
    if (fate < 0.055) return { ...lead, status: 'complained', complainedAt: new Date(submittedMs + 3_600_000).toISOString() };
    // Most leads get a first contact: seven in ten of those within the SLA, the rest up to four times late.
    const inTime = next() < 0.7;
    const contactMs = submittedMs + Math.floor(inTime ? next() * limitMs : limitMs + 1000 + next() * 3 * limitMs);
    if (fate < 0.8) {
      if (contactMs > nowMs) return lead; // its rep has not called yet
      const outcome = weighted<RepOutcome>(next, [['accepted', 35], ['rejected', 25], ['contacted', 40]]);
      const contactedAt = new Date(contactMs).toISOString();
      Object.assign(lead, { status: 'contacted', contactedAt, contactedBy: rep.id, outcome, ...(outcome === 'rejected' ? { rejectReason: weighted(next, REASONS) } : {}) });
      if (outcome === 'accepted') Object.assign(lead, dealOf(nextDeal, contactMs, nowMs));
      if (next() < 0.04 && contactMs + DAY_MS <= nowMs) Object.assign(lead, { unsubscribedAt: new Date(contactMs + DAY_MS).toISOString() });
      return lead;
    }
    if (fate < 0.84) return { ...lead, status: 'unsubscribed', unsubscribedAt: new Date(submittedMs + Math.min(ageMs, 2 * DAY_MS) / 2).toISOString() };
    // Never answered: open, past its SLA unless it is younger than the limit; the sequence closes it after 14 days.
    return ageMs > 14 * DAY_MS ? { ...lead, status: 'closed', closedAt: new Date(submittedMs + 14 * DAY_MS).toISOString() } : lead;
  });
}

/** A score within its grade's range (the model's thresholds: hot from 70, warm from 40). */
const scoreOf = (grade: LeadGrade, draw: number) => (grade === 'hot' ? 70 + Math.floor(draw * 31) : grade === 'warm' ? 40 + Math.floor(draw * 30) : Math.floor(draw * 40));

/**
 * What the CRM made of an accepted lead: about half become opportunities a few days after the
 * call (EUR for a fifth of them, USD otherwise), of which a third are won and a fifth lost.
 */
function dealOf(next: () => number, contactMs: number, nowMs: number): Partial<Lead> {
  const opportunityMs = contactMs + Math.floor((1 + next() * 6) * DAY_MS);
  const fate = next();
  const amount = 1000 * Math.round(5 + next() * 45);
  const currency = next() < 0.2 ? 'EUR' : 'USD';
  if (fate >= 0.5 || opportunityMs > nowMs) return {};
  const closedMs = opportunityMs + Math.floor((3 + next() * 20) * DAY_MS);
  const stage = closedMs > nowMs ? 'opportunity' : fate < 0.17 ? 'won' : fate < 0.27 ? 'lost' : 'opportunity';
  const stageAt = new Date(stage === 'opportunity' ? opportunityMs : closedMs).toISOString();
  return {
    pipeline: { stage, stageAt, opportunityAt: new Date(opportunityMs).toISOString(), amount, currency, amountAt: stageAt, source: 'hubspot', deliveries: [`seed-${contactMs}`], ...(stage === 'lost' ? { lostReason: 'went with a competitor' } : {}) },
    pipelineRevision: 1,
  };
}

/** Where writeLeads puts the leads: the document client and the table the lead store reads. */
export interface LeadTable {
  db: DynamoDBDocumentClient;
  tableName: string;
  retentionDays?: number;
}

/**
 * Puts the leads in as DynamoDbLeadStore.createLead does (the profile item with the byDay and
 * byOwner keys, submittedDay and ownerId, the TTL, and its place in the dashboard's digest),
 * with the digest's day counters and parts (adapters/report-digest.ts), 25 to a BatchWrite, a
 * few batches in flight; unprocessed items are sent again. Keep the item shape in step with
 * createLead. For an empty table (or one whose days have no digest yet): the counters are
 * written, not added to.
 */
export async function writeLeads(table: LeadTable, leads: readonly Lead[], options: { batchesAtOnce?: number } = {}): Promise<void> {
  const retentionSeconds = (table.retentionDays ?? 400) * 86_400;
  const digest = digestOf(leads.map(reportRecordOf), (day) => Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000) + 86_400 + retentionSeconds);
  const items: Record<string, unknown>[] = leads.map((lead) => ({
    pk: `LEAD#${lead.leadId}`,
    sk: 'PROFILE',
    ...lead,
    submittedDay: lead.submittedAt.slice(0, 10),
    emailDomain: emailDomain(lead.email),
    expiresAt: Math.floor(Date.parse(lead.submittedAt) / 1000) + retentionSeconds,
    ...digest.places.get(lead.leadId),
  }));
  items.push(...digest.items);
  const batches: Array<typeof items> = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  const writeBatch = async (batch: typeof items) => {
    let requests = batch.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 10) throw new Error(`BatchWrite left ${requests.length} items unprocessed after 10 attempts`);
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** Math.min(attempt, 5)));
      const { UnprocessedItems } = await table.db.send(new BatchWriteCommand({ RequestItems: { [table.tableName]: requests } }));
      requests = (UnprocessedItems?.[table.tableName] ?? []) as typeof requests;
    }
  };
  const atOnce = options.batchesAtOnce ?? 8;
  let nextBatch = 0;
  await Promise.all(Array.from({ length: Math.min(atOnce, batches.length) }, async () => {
    while (nextBatch < batches.length) await writeBatch(batches[nextBatch++]!);
  }));
}

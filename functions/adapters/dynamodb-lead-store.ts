import { randomUUID } from 'node:crypto';
import { type AttributeValue, BatchGetItemCommand, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  type ScanCommandOutput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { queryAll } from '@adapters/dynamodb-query';
import { dayCountKey, dayOfMs, partOf, partsOfDay, recordsOfPart, reportPartKey, storedRecord, versionPrefix } from '@adapters/report-digest';
import type { Lead, Meeting, StepRecord } from '@domain/lead';
import type { Pipeline } from '@domain/pipeline';
import type { LeadStore, RepResponse, StepClaim, TimelineEvent, WebhookClaim } from '@domain/ports';
import type { Rep } from '@domain/rep';
import { type ReportRecord, reportRecordOf } from '@domain/report-record';
import { emailDomain, type LeadHistory, type LeadScore } from '@domain/scoring';
import type { SequenceStep } from '@domain/sequence';

/**
 * Leads in one DynamoDB table:
 *   LEAD#<id> / PROFILE                  the lead (GSIs byOwner, byDay and byDomain read it)
 *   LEAD#<id> / EVENT#<iso-ts>#<type>    its timeline, append-only
 *   DEDUPE#<hash> / DEDUPE               repeat-submission guard (TTL)
 *   ROUTING#<pool> / CURSOR              round-robin counter
 *   WEBHOOK#<signature hex> / SEEN       a CRM request being recorded (IN_PROGRESS, with a lock) or recorded (COMPLETED), TTL
 *   REPORT#<day> / COUNT, REPORT#<day>#<part> / LEADS   the dashboard's digest (adapters/report-digest.ts)
 *
 * Every write that changes a figure of the dashboard ADDs 1 to the lead's `reportVersion` in
 * the same update and then writes the lead's report record into its part of the digest, unless
 * a newer version is there already. There are no Streams to do it in dynalite, and a write the
 * store makes itself needs no second consumer to deploy and watch.
 */
const leadKey = (leadId: string) => ({ pk: `LEAD#${leadId}`, sk: 'PROFILE' });
const webhookKey = (signature: string) => ({ pk: `WEBHOOK#${signature}`, sk: 'SEEN' });
const STORAGE_ATTRIBUTES = ['pk', 'sk', 'submittedDay', 'emailDomain', 'expiresAt', 'reportPart', 'reportVersion'] as const;
/** BatchGetItem's limit of keys per call, and how many calls the dashboard's read keeps in flight. */
const BATCH_GET_KEYS = 100;
const BATCH_GETS_AT_ONCE = 8;
/** Report records a store keeps between reads (a few hundred bytes each in memory): 90 days of 3,000 leads a day. */
const KEPT_RECORDS = 300_000;

const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException || (error as { name?: string })?.name === 'ConditionalCheckFailedException';

export class DynamoDbLeadStore implements LeadStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
  ) {
    // The SDK's logger middleware filters every response for its log even when the logger is
    // its no-op default: a walk of every value read, 40% of the CPU of the dashboard's read of
    // 100,000 records (measured here). Nothing here logs SDK calls.
    db.middlewareStack.remove('loggerMiddleware');
  }

  private expiresAt(from: Date | string): number {
    return Math.floor(new Date(from).getTime() / 1000) + this.retentionDays * 86_400;
  }

  async claimSubmission(fingerprint: string, leadId: string, now: Date, windowSeconds: number) {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const key = { pk: `DEDUPE#${fingerprint}`, sk: 'DEDUPE' };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key, leadId, expiresAt: nowSeconds + windowSeconds },
          // DynamoDB's TTL deletes late, so an expired guard counts as absent.
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': nowSeconds },
        }),
      );
      return { first: true as const };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
      return { first: false as const, leadId: String(existing.Item?.leadId) };
    }
  }

  async createLead(lead: Lead): Promise<boolean> {
    const item = {
      ...leadKey(lead.leadId),
      ...lead,
      submittedDay: lead.submittedAt.slice(0, 10),
      emailDomain: emailDomain(lead.email),
      expiresAt: this.expiresAt(lead.submittedAt),
      reportPart: partOf(await this.nextOrdinalOn(dayOfMs(Date.parse(lead.submittedAt)))),
      reportVersion: 1,
    };
    try {
      await this.db.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
    } catch (error) {
      // A repeat: the stored lead has its place already (this ordinal stays unused, a gap in its part).
      if (isConditionFailure(error)) return false;
      throw error;
    }
    await this.keepReport(item);
    return true;
  }

  // ---- The dashboard's digest ---------------------------------------------------------------

  /** The next lead's ordinal on a day (1 for its first): one ADD on the day's tiny counter item. */
  private async nextOrdinalOn(day: string, leads = 1): Promise<number> {
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: dayCountKey(day),
        UpdateExpression: 'ADD leads :n SET expiresAt = :expiresAt',
        ExpressionAttributeValues: { ':n': leads, ':expiresAt': this.digestExpiresAt(day) },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes?.leads) - leads + 1;
  }

  /** A day's digest outlives the day's last lead by the retention (TTL), no longer. */
  private digestExpiresAt(day: string): number {
    return this.expiresAt(new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000));
  }

  /**
   * Writes a lead's report record (from its item as the update left it) into its part, unless
   * the part holds a newer version. A lead from before the digest has no part yet: `npm run
   * backfill-report` gives it one.
   */
  private async keepReport(attributes: Record<string, unknown> | undefined): Promise<void> {
    if (!attributes || typeof attributes.reportPart !== 'number' || typeof attributes.reportVersion !== 'number') return;
    const record = reportRecordOf(this.toLead(attributes));
    const day = dayOfMs(record.submittedMs);
    const version = attributes.reportVersion;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: reportPartKey(day, attributes.reportPart),
          UpdateExpression: 'SET #lead = :record, expiresAt = :expiresAt',
          ConditionExpression: 'attribute_not_exists(#lead) OR #lead < :version',
          ExpressionAttributeNames: { '#lead': record.leadId },
          ExpressionAttributeValues: { ':record': storedRecord(version, record), ':version': versionPrefix(version), ':expiresAt': this.digestExpiresAt(day) },
        }),
      );
    } catch (error) {
      // A later update of the lead wrote its newer record first.
      if (!isConditionFailure(error)) throw error;
    }
    await this.markDayChanged(day);
  }

  /**
   * After a record of a day before today changed (or left), its counter's `changes` goes up, so a
   * reader that kept that day's records (`reportRecordsOn`) reads them again. Today's records
   * are never kept by readers (new leads arrive on it all day), so its writes skip this.
   * After the part's write, never before: a reader that sees the new count sees the new record.
   */
  private async markDayChanged(day: string): Promise<void> {
    if (day >= dayOfMs(Date.now())) return;
    await this.db.send(new UpdateCommand({ TableName: this.tableName, Key: dayCountKey(day), UpdateExpression: 'ADD changes :one', ExpressionAttributeValues: { ':one': 1 } }));
  }

  /** An update of the lead that changes a figure of the dashboard: the record's version goes up with it, then the record is written. */
  private async updateReported(leadId: string, expression: string, values: Record<string, unknown>, names: Record<string, string> = {}, condition?: string) {
    const result = await this.update(leadId, `${expression} ADD reportVersion :reportStep`.trim(), { ...values, ':reportStep': 1 }, names, condition);
    await this.keepReport(result.Attributes);
    return result;
  }

  /**
   * Every key's item (absent ones are left out) as the low-level client returns it, 100 keys a
   * call, a few calls at once, unprocessed keys asked again: the digest's records are decoded
   * from their strings, with no document conversion of 100,000 values first.
   */
  private async batchGet(keys: ReadonlyArray<{ pk: string; sk: string }>): Promise<Array<Record<string, AttributeValue>>> {
    const items: Array<Record<string, AttributeValue>> = [];
    const chunks: Array<Array<Record<string, AttributeValue>>> = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_KEYS) chunks.push(keys.slice(i, i + BATCH_GET_KEYS).map(({ pk, sk }) => ({ pk: { S: pk }, sk: { S: sk } })));
    const getChunk = async (chunk: Array<Record<string, AttributeValue>>) => {
      let pending = chunk;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 8) throw new Error(`BatchGetItem left ${pending.length} keys unprocessed after 8 attempts`);
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
        const { Responses, UnprocessedKeys } = await this.db.send(new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: pending } } }));
        for (const item of Responses?.[this.tableName] ?? []) items.push(item);
        pending = UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    };
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(BATCH_GETS_AT_ONCE, chunks.length) }, async () => {
      while (next < chunks.length) await getChunk(chunks[next++]!);
    }));
    return items;
  }

  /**
   * The report records of the leads submitted on these UTC days: the days' counters, then the
   * parts of the days that changed since this store last read them (BatchGetItem, never a
   * scan). A day is kept as read, with its counter's `leads` and `changes`, and read again when
   * either moved; today and yesterday are always read (new leads, and the hour either side of
   * midnight on another clock). So a warm function reads 90 counters and the few days that
   * changed, not 100,000 records, and answers the same as a cold one.
   */
  async reportRecordsOn(days: readonly string[]): Promise<ReportRecord[]> {
    const counters = await this.batchGet(days.map(dayCountKey));
    const live = dayOfMs(Date.now() - 86_400_000);
    const records: ReportRecord[] = [];
    const toRead: Array<{ day: string; leads: number; changes: number }> = [];
    for (const counter of counters) {
      const day = String(counter.pk?.S).slice('REPORT#'.length);
      const leads = Number(counter.leads?.N ?? 0);
      const changes = Number(counter.changes?.N ?? 0);
      const kept = this.keptDays.get(day);
      if (day < live && kept && kept.leads === leads && kept.changes === changes) {
        for (const record of kept.records) records.push(record);
      } else toRead.push({ day, leads, changes });
    }
    const parts = toRead.flatMap(({ day, leads }) => partsOfDay(leads).map((part) => reportPartKey(day, part)));
    const read = new Map(toRead.map(({ day }) => [day, [] as ReportRecord[]]));
    for (const part of await this.batchGet(parts)) recordsOfPart(part, read.get(String(part.pk?.S).slice('REPORT#'.length).split('#')[0]!));
    for (const { day, leads, changes } of toRead) {
      const dayRecords = read.get(day)!;
      for (const record of dayRecords) records.push(record);
      if (day < live) this.keepDay(day, { leads, changes, records: dayRecords });
    }
    return records;
  }

  /** Days read, at their counters' values then; at most KEPT_RECORDS records, the least recently read days dropped first. */
  private readonly keptDays = new Map<string, { leads: number; changes: number; records: ReportRecord[] }>();
  private keptRecords = 0;

  private keepDay(day: string, kept: { leads: number; changes: number; records: ReportRecord[] }): void {
    this.keptRecords -= this.keptDays.get(day)?.records.length ?? 0;
    this.keptDays.delete(day);
    this.keptDays.set(day, kept);
    this.keptRecords += kept.records.length;
    for (const [oldest, { records }] of this.keptDays) {
      if (this.keptRecords <= KEPT_RECORDS) break;
      this.keptDays.delete(oldest);
      this.keptRecords -= records.length;
    }
  }

  /**
   * Gives every lead without a place in the digest (stored before it existed) its place and
   * record; with `rewrite`, writes every placed lead's record again too. For `npm run
   * backfill-report`: one pass over the table, safe beside live traffic (a lead's newest
   * version wins) and safe to repeat.
   */
  async backfillReport(options: { rewrite?: boolean; onProgress?: (scanned: number) => void } = {}): Promise<{ leads: number; placed: number; rewritten: number }> {
    const counts = { leads: 0, placed: 0, rewritten: 0 };
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: ScanCommandOutput = await this.db.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'sk = :profile AND begins_with(pk, :lead)',
          ExpressionAttributeValues: { ':profile': 'PROFILE', ':lead': 'LEAD#' },
          ProjectionExpression: 'leadId, submittedAt, reportPart',
          ExclusiveStartKey: startKey,
        }),
      );
      const leads = (page.Items ?? []) as Array<{ leadId: string; submittedAt: string; reportPart?: number }>;
      const unplaced = leads.filter((lead) => lead.reportPart === undefined);
      // One ADD per day for the page's unplaced leads: consecutive ordinals.
      const byDay = new Map<string, typeof unplaced>();
      for (const lead of unplaced) {
        const day = dayOfMs(Date.parse(lead.submittedAt));
        byDay.set(day, [...(byDay.get(day) ?? []), lead]);
      }
      const places = new Map<string, number>();
      for (const [day, dayLeads] of byDay) {
        const first = await this.nextOrdinalOn(day, dayLeads.length);
        dayLeads.forEach((lead, i) => places.set(lead.leadId, partOf(first + i)));
      }
      for (let i = 0; i < leads.length; i += 16) {
        await Promise.all(leads.slice(i, i + 16).map(async (lead) => {
          const part = places.get(lead.leadId);
          if (part === undefined && !options.rewrite) return;
          try {
            await this.updateReported(lead.leadId, part === undefined ? '' : 'SET reportPart = if_not_exists(reportPart, :part)', part === undefined ? {} : { ':part': part });
            counts[part === undefined ? 'rewritten' : 'placed'] += 1;
          } catch (error) {
            // Erased meanwhile.
            if (!isConditionFailure(error)) throw error;
          }
        }));
      }
      counts.leads += leads.length;
      options.onProgress?.(counts.leads);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return counts;
  }

  async getLead(leadId: string): Promise<Lead | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: leadKey(leadId), ConsistentRead: true }));
    return Item ? this.toLead(Item) : undefined;
  }

  private async update(leadId: string, expression: string, values: Record<string, unknown>, names: Record<string, string> = {}, condition = 'attribute_exists(pk)') {
    return this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: leadKey(leadId),
        UpdateExpression: expression,
        ConditionExpression: condition,
        ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
        ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
        ReturnValues: 'ALL_NEW',
      }),
    );
  }

  async recordScore(leadId: string, score: LeadScore, assignment: { owner: Rep; rule: string } | undefined, at: string): Promise<void> {
    const values: Record<string, unknown> = {
      ':at': at,
      ':score': score.score,
      ':grade': score.grade,
      ':fit': score.fit,
      ':intent': score.intent,
      ':reasons': score.reasons,
      ':model': score.model,
      ':triage': score.triage,
    };
    const sets = ['scoredAt = :at', 'score = :score', 'grade = :grade', 'fit = :fit', 'intent = :intent', 'reasons = :reasons', 'scoreModel = :model', 'triage = :triage'];
    if (score.accountActivity) {
      values[':accountActivity'] = score.accountActivity;
      sets.push('accountActivity = :accountActivity');
    }
    if (assignment) {
      Object.assign(values, { ':ownerId': assignment.owner.id, ':ownerName': assignment.owner.name, ':ownerEmail': assignment.owner.email, ':rule': assignment.rule });
      sets.push('ownerId = :ownerId', 'ownerName = :ownerName', 'ownerEmail = :ownerEmail', 'ownerRule = :rule');
    }
    const names: Record<string, string> = {};
    if (score.triage.decision === 'disqualify') {
      // A disqualified lead leaves the sequence here: every later step's claim sees it.
      values[':disqualified'] = 'disqualified';
      names['#status'] = 'status';
      sets.push('#status = :disqualified');
    }
    await this.updateReported(leadId, `SET ${sets.join(', ')}`, values, names);
  }

  /** Earlier visits of the same person and recent contacts from the same company, from the byDomain index. */
  async leadHistory(lead: Pick<Lead, 'leadId' | 'email'>, since: string): Promise<LeadHistory> {
    const others = (await queryAll(this.db, this.tableName, {
      IndexName: 'byDomain',
      KeyConditionExpression: 'emailDomain = :domain AND submittedAt >= :since',
      ExpressionAttributeValues: { ':domain': emailDomain(lead.email), ':since': since, ':self': lead.leadId },
      FilterExpression: 'leadId <> :self',
      ProjectionExpression: 'email, submittedAt',
    })) as Array<{ email: string; submittedAt: string }>;
    return {
      previousVisits: others.filter((other) => other.email === lead.email).map((other) => other.submittedAt),
      accountContacts: new Set([lead.email, ...others.map((other) => other.email)]).size,
    };
  }



  async escalateTo(leadId: string, owner: Rep, at: string): Promise<void> {
    try {
      await this.updateReported(
        leadId,
        'SET escalatedFrom = ownerId, escalatedAt = :at, ownerId = :ownerId, ownerName = :ownerName, ownerEmail = :ownerEmail, ownerRule = :rule',
        { ':at': at, ':ownerId': owner.id, ':ownerName': owner.name, ':ownerEmail': owner.email, ':rule': 'escalated: the first owner did not respond in time', ':new': 'new' },
        { '#status': 'status' },
        'attribute_exists(pk) AND #status = :new AND attribute_not_exists(escalatedAt)',
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async nextRoutingTurn(pool: string): Promise<number> {
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `ROUTING#${pool}`, sk: 'CURSOR' },
        UpdateExpression: 'ADD turn :one',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes?.turn) - 1;
  }

  async claimStep(leadId: string, step: SequenceStep, at: string, options: { whenBooked?: boolean; whileStatus?: 'new' | 'nurture' } = {}): Promise<StepClaim> {
    const claim: StepRecord = { status: 'claimed', claimedAt: at };
    const open = options.whenBooked ? '(#status = :new OR (#status = :contacted AND meeting.#s = :booked))' : '#status = :new';
    try {
      // One conditional write serializes the claim with a rep's response (or an unsubscribe,
      // a bounce): whichever lands first decides whether this email goes out.
      await this.update(
        leadId,
        'SET steps.#step = :claim',
        { ':claim': claim, ':new': options.whileStatus ?? 'new', ':sent': 'sent', ...(options.whenBooked ? { ':contacted': 'contacted', ':booked': 'booked' } : {}) },
        { '#step': step, '#status': 'status', '#s': 'status' },
        `attribute_exists(pk) AND ${open} AND (attribute_not_exists(steps.#step) OR steps.#step.#s <> :sent)`,
      );
      return { kind: 'claimed' };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const lead = await this.getLead(leadId);
      const stillOpen = lead?.status === (options.whileStatus ?? 'new') || (options.whenBooked && lead?.status === 'contacted' && lead.meeting?.status === 'booked');
      if (lead && stillOpen && lead.steps[step]?.status === 'sent') return { kind: 'already-sent' };
      return { kind: 'stopped', status: lead?.status ?? 'failed' };
    }
  }

  async markStepSent(leadId: string, step: SequenceStep, record: { sentAt: string; messageId: string }): Promise<void> {
    await this.update(
      leadId,
      'SET steps.#step.#s = :sent, steps.#step.sentAt = :sentAt, steps.#step.messageId = :messageId REMOVE steps.#step.#error',
      { ':sent': 'sent', ':sentAt': record.sentAt, ':messageId': record.messageId },
      { '#step': step, '#s': 'status', '#error': 'error' },
    );
  }

  async releaseStep(leadId: string, step: SequenceStep, error: string): Promise<void> {
    await this.update(leadId, 'SET steps.#step.#s = :failed, steps.#step.#error = :error', { ':failed': 'failed', ':error': error.slice(0, 500) }, { '#step': step, '#s': 'status', '#error': 'error' });
  }

  async markSenderProblem(leadId: string, problem: 'bounced' | 'complained', at: string, detail: string): Promise<string | undefined> {
    try {
      // Whatever the lead's status was, no email goes to this address again. The first report's
      // time is kept, of the problem (bouncedAt / complainedAt) and of the stop (emailProblemAt).
      const { Attributes } = await this.updateReported(
        leadId,
        'SET #status = :problem, emailProblem = :detail, emailProblemAt = if_not_exists(emailProblemAt, :at), #problemAt = if_not_exists(#problemAt, :at)',
        { ':problem': problem, ':detail': detail.slice(0, 500), ':at': at },
        { '#status': 'status', '#problemAt': `${problem}At` },
      );
      return (Attributes?.[`${problem}At`] as string | undefined) ?? at;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return undefined;
    }
  }

  async markUndeliverable(leadId: string, step: SequenceStep, error: string, at: string): Promise<void> {
    // Only a lead address can bounce for good; the lead's sequence stops with it.
    await this.updateReported(
      leadId,
      'SET steps.#step.#s = :failed, steps.#step.#error = :error, #status = :failedStatus, failure = :failure',
      { ':failed': 'failed', ':error': error.slice(0, 500), ':failedStatus': 'failed', ':failure': { error: 'EmailRejected', cause: error.slice(0, 500), at } },
      { '#step': step, '#s': 'status', '#error': 'error', '#status': 'status' },
    );
  }

  async claimWebhook(signature: string, at: { now: Date; lockUntil: Date; rememberUntil: Date }): Promise<WebhookClaim> {
    const claimToken = randomUUID();
    const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          // Kept only while its signature is accepted, not for the leads' retention. An expired
          // item needs no check: its request is refused as stale before we look.
          Item: { ...webhookKey(signature), claim: 'IN_PROGRESS', claimToken, lockExpiresAt: seconds(at.lockUntil), expiresAt: seconds(at.rememberUntil) },
          ConditionExpression: 'attribute_not_exists(pk) OR (claim = :inProgress AND lockExpiresAt < :now)',
          ExpressionAttributeValues: { ':inProgress': 'IN_PROGRESS', ':now': seconds(at.now) },
        }),
      );
      return { kind: 'claimed', claimToken };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: webhookKey(signature), ConsistentRead: true, ProjectionExpression: 'claim' }));
    // Remembered requests from before claims have no `claim`: they were recorded.
    return { kind: Item?.claim === 'IN_PROGRESS' ? 'in-progress' : 'recorded' };
  }

  async completeWebhook(signature: string, claimToken: string): Promise<void> {
    await this.updateOwnWebhookClaim(signature, claimToken, 'SET claim = :completed REMOVE lockExpiresAt, claimToken', { ':completed': 'COMPLETED' });
  }

  async releaseWebhook(signature: string, claimToken: string): Promise<void> {
    await this.updateOwnWebhookClaim(signature, claimToken, 'SET lockExpiresAt = :released', { ':released': 0 });
  }

  /** Changes the claim only while it is still this attempt's: one whose lock passed may be another's now. */
  private async updateOwnWebhookClaim(signature: string, claimToken: string, update: string, values: Record<string, unknown>): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: webhookKey(signature),
          UpdateExpression: update,
          ConditionExpression: 'claimToken = :claimToken',
          ExpressionAttributeValues: { ':claimToken': claimToken, ...values },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async recordRepResponse(leadId: string, response: RepResponse): Promise<Lead> {
    const first = Object.fromEntries(Object.entries(response).filter(([, value]) => value !== undefined));
    const values: Record<string, unknown> = { ':at': response.at, ':outcome': response.outcome, ':first': first };
    const sets = ['contactedAt = if_not_exists(contactedAt, :at)', 'firstResponse = if_not_exists(firstResponse, :first)', 'outcome = :outcome'];
    const optional = { contactedBy: response.repId, rejectReason: response.reason, repNote: response.note };
    for (const [attribute, value] of Object.entries(optional)) {
      if (value === undefined) continue;
      values[`:${attribute}`] = value;
      sets.push(attribute === 'contactedBy' ? 'contactedBy = if_not_exists(contactedBy, :contactedBy)' : `${attribute} = :${attribute}`);
    }
    // A reason describes a rejection: a later outcome that is not one drops the stale reason.
    const remove = response.outcome === 'rejected' ? '' : ' REMOVE rejectReason';
    try {
      // The status moves to contacted unless the lead left the sequence another way first; a
      // rep's answer to a lead in nurture takes it back from marketing (its nurture emails stop).
      const { Attributes } = await this.updateReported(
        leadId,
        `SET ${sets.join(', ')}, #status = :contacted${remove}`,
        { ...values, ':contacted': 'contacted', ':new': 'new', ':closed': 'closed', ':nurture': 'nurture' },
        { '#status': 'status' },
        'attribute_exists(pk) AND #status IN (:new, :closed, :contacted, :nurture)',
      );
      return this.toLead(Attributes);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const { Attributes } = await this.updateReported(leadId, `SET ${sets.join(', ')}${remove}`, values);
      return this.toLead(Attributes);
    }
  }

  async recordMeeting(leadId: string, meeting: Meeting): Promise<Lead | undefined> {
    try {
      const { Attributes } = await this.update(leadId, 'SET meeting = :meeting', { ':meeting': meeting });
      return this.toLead(Attributes);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return undefined;
    }
  }

  async markUnsubscribed(leadId: string, at: string): Promise<Lead> {
    const { Attributes } = await this.updateReported(leadId, 'SET unsubscribedAt = if_not_exists(unsubscribedAt, :at), #status = :unsubscribed', { ':at': at, ':unsubscribed': 'unsubscribed' }, { '#status': 'status' });
    return this.toLead(Attributes);
  }

  async savePipeline(leadId: string, pipeline: Pipeline, revision: number): Promise<Lead | undefined> {
    const condition = revision === 0 ? 'attribute_exists(pk) AND attribute_not_exists(pipelineRevision)' : 'pipelineRevision = :revision';
    try {
      // The pipeline is a figure of the reports (funnel, pipeline by source): its record goes with it.
      const { Attributes } = await this.updateReported(leadId, 'SET pipeline = :pipeline, pipelineRevision = :next', { ':pipeline': pipeline, ':next': revision + 1, ...(revision === 0 ? {} : { ':revision': revision }) }, {}, condition);
      return this.toLead(Attributes);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return undefined;
    }
  }

  async returnToNurture(leadId: string, at: string): Promise<boolean> {
    try {
      // Only a lead the rep rejected and nobody has unsubscribed, bounced or answered again since.
      await this.update(
        leadId,
        'SET #status = :nurture, nurturedAt = if_not_exists(nurturedAt, :at)',
        { ':nurture': 'nurture', ':at': at, ':contacted': 'contacted', ':rejected': 'rejected' },
        { '#status': 'status' },
        'attribute_exists(pk) AND (#status = :contacted OR #status = :nurture) AND outcome = :rejected AND attribute_not_exists(unsubscribedAt)',
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return false;
    }
  }

  async closeLead(leadId: string, at: string): Promise<string> {
    // A repeat (a retried close step) keeps the first close's time. Closing changes no figure of
    // the dashboard (a closed lead still awaits its first contact as a new one does): no record to write.
    const values = { ':at': at, ':closed': 'closed', ':new': 'new' };
    try {
      const { Attributes } = await this.update(leadId, 'SET closedAt = if_not_exists(closedAt, :at), #status = :closed', values, { '#status': 'status' }, 'attribute_exists(pk) AND #status = :new');
      return (Attributes?.closedAt as string | undefined) ?? at;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // Contacted, unsubscribed or failed leads keep that status; the sequence still ended.
      const { Attributes } = await this.update(leadId, 'SET closedAt = if_not_exists(closedAt, :at)', { ':at': at });
      return (Attributes?.closedAt as string | undefined) ?? at;
    }
  }

  async recordFailure(leadId: string, failure: { error: string; cause?: string; at: string }): Promise<void> {
    try {
      await this.updateReported(leadId, 'SET #status = :failed, failure = :failure', { ':failed': 'failed', ':failure': failure }, { '#status': 'status' });
    } catch (error) {
      // A failure of a lead that does not exist has nothing to mark.
      if (!isConditionFailure(error)) throw error;
    }
  }

  private eventItem(leadId: string, event: TimelineEvent) {
    const detail = event.detail ? Object.fromEntries(Object.entries(event.detail).filter(([, v]) => v !== undefined)) : undefined;
    return {
      pk: `LEAD#${leadId}`,
      type: event.type,
      at: event.at,
      actor: event.actor,
      ...(detail && Object.keys(detail).length ? { detail } : {}),
      expiresAt: this.expiresAt(event.at),
    };
  }

  async appendEventOnce(leadId: string, event: TimelineEvent): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...this.eventItem(leadId, event), sk: `EVENT#${event.at}#${event.type}` },
          ConditionExpression: 'attribute_not_exists(sk)',
        }),
      );
      return true;
    } catch (error) {
      // Written already, by the attempt this one retries.
      if (!isConditionFailure(error)) throw error;
      return false;
    }
  }

  async appendEvent(leadId: string, event: TimelineEvent): Promise<void> {
    const item = this.eventItem(leadId, event);
    // Append-only: an event never overwrites another. Two of the same type in the same
    // millisecond (two quick responses) get a numbered key instead.
    for (let n = 1; ; n++) {
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...item, sk: `EVENT#${event.at}#${event.type}${n > 1 ? `#${n}` : ''}` },
            ConditionExpression: 'attribute_not_exists(sk)',
          }),
        );
        return;
      } catch (error) {
        if (!isConditionFailure(error) || n >= 5) throw error;
      }
    }
  }

  /** The leads submitted on one UTC day (`2026-11-03`), oldest first, from the byDay index. */
  async leadsSubmittedOn(day: string): Promise<Lead[]> {
    const items = await queryAll(this.db, this.tableName, { IndexName: 'byDay', KeyConditionExpression: 'submittedDay = :day', ExpressionAttributeValues: { ':day': day } });
    return items.map((item) => this.toLead(item));
  }

  /** A rep's leads (escalated ones with the rep they went to) submitted from `from` to `to` (ISO times), oldest first, from the byOwner index. */
  async leadsOwnedBy(repId: string, range: { from: string; to: string }): Promise<Lead[]> {
    const items = await queryAll(this.db, this.tableName, {
      IndexName: 'byOwner',
      KeyConditionExpression: 'ownerId = :rep AND submittedAt BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':rep': repId, ':from': range.from, ':to': range.to },
    });
    return items.map((item) => this.toLead(item));
  }


  /** Every lead a person submitted (GDPR erasure finds them by address), from the byDomain index. */
  async leadsOf(email: string): Promise<string[]> {
    const items = await queryAll(this.db, this.tableName, {
      IndexName: 'byDomain',
      KeyConditionExpression: 'emailDomain = :domain',
      FilterExpression: 'email = :email',
      ExpressionAttributeValues: { ':domain': emailDomain(email), ':email': email },
      ProjectionExpression: 'leadId',
    });
    return items.map((item) => String(item.leadId));
  }


  /** Deletes a lead for good: its profile, its timeline, its repeat-submission guards and its report record. */
  async eraseLead(leadId: string): Promise<number> {
    const stored = await queryAll(this.db, this.tableName, { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `LEAD#${leadId}` }, ProjectionExpression: 'pk, sk, submittedAt, reportPart' });
    const profile = stored.find((item) => item.sk === 'PROFILE');
    const timeline = stored.map((item) => ({ pk: item.pk, sk: item.sk }));
    // Guards are keyed by a hash; they hold the lead id, and a rare erasure may scan for them.
    const guards: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: ScanCommandOutput = await this.db.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'begins_with(pk, :dedupe) AND leadId = :leadId',
          ExpressionAttributeValues: { ':dedupe': 'DEDUPE#', ':leadId': leadId },
          ProjectionExpression: 'pk, sk',
          ExclusiveStartKey: startKey,
        }),
      );
      guards.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    const keys = [...timeline, ...guards];
    for (let i = 0; i < keys.length; i += 25) {
      const batch = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
      let unprocessed: Record<string, unknown[]> | undefined = { [this.tableName]: batch };
      while (unprocessed && Object.keys(unprocessed).length > 0) {
        const result = await this.db.send(new BatchWriteCommand({ RequestItems: unprocessed as never }));
        unprocessed = result.UnprocessedItems as Record<string, unknown[]> | undefined;
      }
    }
    // Once the lead is gone: an update of it fails from then on, so none writes the record back.
    if (profile && typeof profile.reportPart === 'number') await this.forgetReport(leadId, String(profile.submittedAt), profile.reportPart);
    return keys.length;
  }

  private async forgetReport(leadId: string, submittedAt: string, part: number): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: reportPartKey(dayOfMs(Date.parse(submittedAt)), part),
          UpdateExpression: 'REMOVE #lead',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#lead': leadId },
        }),
      );
    } catch (error) {
      // Its part expired or was never written: nothing of the lead is left there.
      if (!isConditionFailure(error)) throw error;
    }
    await this.markDayChanged(dayOfMs(Date.parse(submittedAt)));
  }

  async listEvents(leadId: string): Promise<TimelineEvent[]> {
    const items = await queryAll(this.db, this.tableName, { KeyConditionExpression: 'pk = :pk AND begins_with(sk, :event)', ExpressionAttributeValues: { ':pk': `LEAD#${leadId}`, ':event': 'EVENT#' } });
    return items.map((item) => this.toEvent(item));
  }

  /**
   * Every lead with its timeline, in one pass over the whole table: for reconciling a run
   * (`npm run reconcile`), never for a request path.
   */
  async everyLeadWithTimeline(): Promise<Array<{ lead: Lead; timeline: TimelineEvent[] }>> {
    const byLead = new Map<string, { lead?: Lead; timeline: TimelineEvent[] }>();
    const entry = (pk: string) => byLead.get(pk) ?? byLead.set(pk, { timeline: [] }).get(pk)!;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: ScanCommandOutput = await this.db.send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: startKey }));
      for (const item of page.Items ?? []) {
        const pk = String(item.pk);
        if (!pk.startsWith('LEAD#')) continue;
        if (item.sk === 'PROFILE') entry(pk).lead = this.toLead(item);
        else if (String(item.sk).startsWith('EVENT#')) entry(pk).timeline.push(this.toEvent(item));
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return [...byLead.values()].filter((entry): entry is { lead: Lead; timeline: TimelineEvent[] } => entry.lead !== undefined);
  }



  private toEvent(item: Record<string, unknown>): TimelineEvent {
    return { type: String(item.type), at: String(item.at), actor: String(item.actor), ...(item.detail ? { detail: item.detail as TimelineEvent['detail'] } : {}) };
  }

  private toLead(attributes: Record<string, unknown> | undefined): Lead {
    const lead = { ...attributes };
    for (const attribute of STORAGE_ATTRIBUTES) delete lead[attribute];
    return lead as unknown as Lead;
  }
}

import * as z from '@domain/zod';
import type { Clock } from '@domain/clock';
import { LeadNotFound, RequestInProgress, ValidationError } from '@domain/errors';
import type { Lead, RepOutcome, RepResponse } from '@domain/lead';
import { verifySignedLink } from '@domain/links';
import type { LeadStore, SecretSource, TimelineEvent } from '@domain/ports';
import type { Rep } from '@domain/rep';
import { parseWith } from '@domain/validation';
import { REJECT_REASONS } from '@domain/reject-reasons';
import { type SignedRequest, verifySignedWebhook, WEBHOOK_TOLERANCE_SECONDS, webhookSignatureId } from '@domain/webhook-signature';

export { REJECT_REASONS };

const blankAsMissing = (v: unknown) => (v === '' ? undefined : v);

/** What a rep decided about a lead, whichever way it reaches us. */
const decision = {
  outcome: z.enum(['contacted', 'accepted', 'rejected'], { error: 'must be one of contacted, accepted, rejected' }),
  reason: z.pipe(z.transform(blankAsMissing), z.optional(z.enum(REJECT_REASONS, { error: `must be one of ${REJECT_REASONS.join(', ')}` }))),
  note: z.pipe(z.transform(blankAsMissing), z.optional(z.string({ error: 'must be text' }).check(z.maxLength(2000, { error: 'must be at most 2000 characters' })))),
};

/** A reason belongs to a rejection: required with it, refused without it (it would be misread later). */
function reasonFitsOutcome(body: { outcome: RepOutcome; reason?: string }, ctx: z.core.$RefinementCtx): void {
  if (body.outcome === 'rejected' && body.reason === undefined) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'is required when the outcome is rejected' });
  if (body.outcome !== 'rejected' && body.reason !== undefined) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'is only for the outcome rejected' });
}

/** What the rep's page (or any holder of the signed email link) sends. */
export const RepResponseSchema = z
  .object({ token: z.string({ error: 'is required' }).check(z.minLength(1, { error: 'is required' }), z.maxLength(1024)), ...decision })
  .check(z.superRefine(reasonFitsOutcome));

export type RepResponseRequest = z.infer<typeof RepResponseSchema>;

/**
 * What a CRM sends in a signed webhook: the same decision, which rep made it, and the lead it
 * is about. The signature covers the body, not the URL, so naming the lead in the body stops
 * a captured request from being replayed against another lead.
 */
export const CrmResponseSchema = z
  .object({
    leadId: z.string({ error: 'is required: the id of the lead this response is about' }).check(z.maxLength(80, { error: 'must be a lead id' })),
    ...decision,
    repId: z.pipe(z.transform(blankAsMissing), z.optional(z.string({ error: 'must be text' }).check(z.maxLength(63, { error: 'must be a rep id such as "rep-ana"' })))),
  })
  .check(z.superRefine(reasonFitsOutcome));

export type CrmResponseRequest = z.infer<typeof CrmResponseSchema>;

export interface RepResponseDeps {
  store: LeadStore;
  secrets: SecretSource;
  clock: Clock;
  /** The configured reps: a CRM may only name one of them. */
  reps: readonly Rep[];
}

export interface RepResponseResult {
  leadId: string;
  /** The first contact's time, kept on every later response. */
  contactedAt: string;
  outcome: RepOutcome;
  /** True when this response was the lead's first contact (what the SLA measures). */
  firstContact: boolean;
  /** A CRM's signed request recorded before, sent again: answered, nothing recorded or counted. */
  replayed?: true;
  /** The lead after the response. */
  lead: Lead;
}

/** Who responded, for the record and the timeline. */
interface Responder {
  via: RepResponse['via'];
  repId?: string;
  /** For the timeline when it is not `rep:<id>` or `crm:<id>` (a manager answering in the app). */
  actor?: string;
  /** When it happened, when that is not now (a booking: when the tool says it was made). */
  at?: string;
}

/** What the team app sends: the decision alone; who decides comes from the sign-in. */
export const AppResponseSchema = z.object(decision).check(z.superRefine(reasonFitsOutcome));

/** Checks the rep's link for this lead; throws TokenInvalid (403) or LeadNotFound (404). */
export async function leadForContactLink(deps: Pick<RepResponseDeps, 'store' | 'secrets' | 'clock'>, leadId: string, token: unknown): Promise<{ lead: Lead; repId?: string }> {
  const claims = await verifySignedLink(deps.secrets, token, { leadId, purpose: 'contact' }, deps.clock.now());
  const lead = await deps.store.getLead(leadId);
  if (!lead) throw new LeadNotFound(leadId);
  return { lead, ...(claims.repId ? { repId: claims.repId } : {}) };
}

/**
 * Records the response on the lead and appends it to the timeline. The first contact time is
 * kept on repeats, each later outcome is added to the timeline; the lead's sequence sees the
 * new status at its next step and stops.
 */
async function recordResponse(deps: Pick<RepResponseDeps, 'store' | 'clock'>, leadId: string, request: Pick<CrmResponseRequest, 'outcome' | 'reason' | 'note'>, responder: Responder): Promise<RepResponseResult> {
  const at = responder.at ?? deps.clock.now().toISOString();
  const { repId, via } = responder;
  const actor = responder.actor ?? `${via === 'crm' ? 'crm' : 'rep'}${repId ? `:${repId}` : ''}`;
  const response: RepResponse = {
    outcome: request.outcome,
    at,
    via,
    actor,
    ...(repId ? { repId } : {}),
    ...(request.reason ? { reason: request.reason } : {}),
    ...(request.note ? { note: request.note } : {}),
  };
  const lead = await deps.store.recordRepResponse(leadId, response);
  const first = lead.firstResponse;
  // The first contact's event is keyed by its time: a repeat (a CRM retrying after a 503, a rep
  // clicking again) writes it if the first request died before it did, once. A repeat that
  // only retries that same answer adds nothing more; any other later answer is an event of its own.
  const wroteFirst = first ? await deps.store.appendEventOnce(leadId, responseEvent(first)) : false;
  const retriesFirst = first !== undefined && wroteFirst && sameAnswer(first, response);
  if (first?.at !== at && !retriesFirst) await deps.store.appendEvent(leadId, responseEvent(response));
  const contactedAt = lead.contactedAt ?? at;
  return { leadId, contactedAt, outcome: lead.outcome ?? request.outcome, firstContact: contactedAt === at, lead };
}

const sameAnswer = (a: RepResponse, b: RepResponse) => a.outcome === b.outcome && a.actor === b.actor && a.reason === b.reason && a.note === b.note;

const responseEvent = ({ outcome, at, actor, reason, note, via }: RepResponse): TimelineEvent => ({ type: outcome, at, actor, detail: { reason, note, via } });

/** The rep's response from the link in the alert email (the page's buttons POST here). */
export async function respondToLead(deps: RepResponseDeps, leadId: string, request: RepResponseRequest): Promise<RepResponseResult> {
  const { repId } = await leadForContactLink(deps, leadId, request.token);
  return recordResponse(deps, leadId, request, { via: 'email-link', ...(repId ? { repId } : {}) });
}

/**
 * A team member's response from the team app, once the caller checked they may answer this
 * lead (functions/domain/team-access.ts): the same record, timeline and first-contact rule as
 * the email link's, so the app and the email can never disagree.
 */
export async function respondInApp(deps: Pick<RepResponseDeps, 'store' | 'clock'>, leadId: string, body: unknown, responder: { repId?: string; actor: string }): Promise<RepResponseResult> {
  const request = parseWith(AppResponseSchema, body);
  return recordResponse(deps, leadId, request, { via: 'app', ...responder });
}

/**
 * A team member's click in Slack, once the caller checked Slack's signature and that the
 * clicker may answer this lead (functions/domain/slack-interaction.ts): the same record,
 * timeline and first-contact rule as the email link's and the app's.
 */
export async function respondInSlack(deps: Pick<RepResponseDeps, 'store' | 'clock'>, leadId: string, body: unknown, responder: { repId?: string; actor: string }): Promise<RepResponseResult> {
  const request = parseWith(AppResponseSchema, body);
  return recordResponse(deps, leadId, request, { via: 'slack', ...responder });
}

/**
 * A meeting the lead booked with their rep, once the caller checked the tool's signature and
 * that the meeting is with the lead's owner (functions/domain/booking.ts): contact at the time
 * of the booking, with the same record, timeline and first-contact rule as the email link's.
 */
export function recordBookingResponse(deps: Pick<RepResponseDeps, 'store' | 'clock'>, leadId: string, booking: { at: string; repId?: string; tool: string }): Promise<RepResponseResult> {
  return recordResponse(deps, leadId, { outcome: 'contacted' }, { via: 'booking', at: booking.at, actor: `booking:${booking.tool}`, ...(booking.repId ? { repId: booking.repId } : {}) });
}

/**
 * A signed request is accepted until its timestamp plus the tolerance, on our clock; a minute
 * more covers the clocks of our other functions.
 */
export const REMEMBERED_PAST_WINDOW_SECONDS = 60;


const rememberedUntil = (signed: SignedRequest) => new Date((Number((signed.timestamp ?? '').trim()) + WEBHOOK_TOLERANCE_SECONDS + REMEMBERED_PAST_WINDOW_SECONDS) * 1000);

/**
 * How long an attempt holds a signed request's claim: longer than the function may run (its
 * timeout is 10 s), so only a crashed attempt's lock passes, and its retry is then recorded.
 */
export const WEBHOOK_CLAIM_SECONDS = 15;

/**
 * The rep's response from a CRM's signed webhook: the signature is checked first (401), then
 * the body (400), then the lead (404), so an unsigned caller learns nothing about leads. The
 * same signed request sent again within its window is answered with the lead's current answer
 * and changes nothing.
 *
 * Exactly once per signed request, by one conditional write (as Powertools Idempotency does):
 * an attempt claims the request's signature with a lock before it records, and marks it
 * recorded after. The same request sent meanwhile is told to retry (409, Retry-After), as the
 * IETF's Idempotency-Key draft answers a request still in progress; an attempt that fails
 * part-way (a 503) releases its claim, so the CRM's retry is recorded.
 */
export async function respondFromCrm(deps: RepResponseDeps, leadId: string, signed: SignedRequest, body: unknown): Promise<RepResponseResult> {
  await verifySignedWebhook(deps.secrets, signed, deps.clock.now());
  const request = parseWith(CrmResponseSchema, body);
  if (request.leadId !== leadId) throw new ValidationError('Invalid leadId: not the lead in the URL', [{ path: 'leadId', message: 'must be the lead in the URL' }]);
  if (request.repId !== undefined && !deps.reps.some((rep) => rep.id === request.repId)) {
    throw new ValidationError('Invalid repId: not a configured rep', [{ path: 'repId', message: `must be one of the configured reps: ${deps.reps.map((r) => r.id).join(', ')}` }]);
  }
  return recordCrmResponse(deps, leadId, request, { claimId: webhookSignatureId(signed), rememberUntil: rememberedUntil(signed), ...(request.repId ? { repId: request.repId } : {}) });
}

/**
 * A CRM's answer for the lead, recorded once per delivery (`claimId`, the delivery's signature):
 * the claim, the response, then the mark, as respondFromCrm describes. Every CRM's route
 * (our signed webhook, HubSpot's) records through here.
 */
export async function recordCrmResponse(
  deps: Pick<RepResponseDeps, 'store' | 'clock'>,
  leadId: string,
  request: Pick<CrmResponseRequest, 'outcome' | 'reason' | 'note'>,
  delivery: { claimId: string; rememberUntil: Date; repId?: string; actor?: string },
): Promise<RepResponseResult> {
  const lead = await deps.store.getLead(leadId);
  if (!lead) throw new LeadNotFound(leadId);
  const signature = delivery.claimId;
  const now = deps.clock.now();
  const claim = await deps.store.claimWebhook(signature, { now, lockUntil: new Date(now.getTime() + WEBHOOK_CLAIM_SECONDS * 1000), rememberUntil: delivery.rememberUntil });
  // A recorded request always left an answer on the lead.
  if (claim.kind === 'recorded' && lead.contactedAt && lead.outcome) {
    return { leadId, contactedAt: lead.contactedAt, outcome: lead.outcome, firstContact: false, replayed: true, lead };
  }
  if (claim.kind !== 'claimed') throw new RequestInProgress(1);
  let result: RepResponseResult;
  try {
    result = await recordResponse(deps, leadId, request, { via: 'crm', ...(delivery.repId ? { repId: delivery.repId } : {}), ...(delivery.actor ? { actor: delivery.actor } : {}) });
  } catch (error) {
    // Failed part-way: the CRM sends the same signed request again, and that retry must be
    // recorded. Should the release fail too, the lock passes in WEBHOOK_CLAIM_SECONDS.
    await deps.store.releaseWebhook(signature, claim.claimToken).catch(() => undefined);
    throw error;
  }
  // Only once the response and its events are written.
  await deps.store.completeWebhook(signature, claim.claimToken);
  return result;
}

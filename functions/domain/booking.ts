import * as z from '@domain/zod';
import type { Clock } from '@domain/clock';
import { SignatureInvalid, ValidationError } from '@domain/errors';
import { firstName, type Lead, type Meeting } from '@domain/lead';
import type { Rep } from '@domain/rep';
import type { LeadStore, SecretSource } from '@domain/ports';
import { recordBookingResponse, REMEMBERED_PAST_WINDOW_SECONDS, type RepResponseResult } from '@domain/rep-response';
import { parseWith } from '@domain/validation';
import {
  BOOKING_TOLERANCE_SECONDS,
  bookingDeliveryId,
  type BookingSignedRequest,
  refuseStaleCalcom,
  verifyCalcomSignature,
  verifyCalendlySignature,
} from '@domain/booking-signature';

/*
 * A lead books a meeting with their rep on the form's thank-you (the rep's Cal.com or Calendly
 * page); the tool's webhook brings the booking back. A booking is the lead's first contact, at
 * the time it was made: the rep-response domain records it as the email link records a rep's
 * click, so the follow-ups stop the same way.
 */
export type SchedulingTool = Meeting['tool'];

/** What a tool's webhook says happened, read from its own format. */
export interface BookingChange {
  tool: SchedulingTool;
  kind: 'booked' | 'rescheduled' | 'cancelled';
  /** The lead the booking page was opened for (carried through the tool's prefill). */
  leadId: string | undefined;
  bookingId: string;
  startsAt: string;
  /** Who the meeting is with: must be the lead's owner. */
  hostEmail: string | undefined;
}

const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time' });
const text = (max: number) => z.string({ error: 'must be text' }).check(z.minLength(1, { error: 'is required' }), z.maxLength(max));
const optionalText = (max: number) => z.optional(z.nullable(z.string().check(z.maxLength(max))));

/** The Cal.com triggers a booking's life sends; any other trigger (a meeting ended, a form submitted) is answered and ignored. */
const CALCOM_TRIGGERS = { BOOKING_CREATED: 'booked', BOOKING_RESCHEDULED: 'rescheduled', BOOKING_CANCELLED: 'cancelled' } as const;

/** Cal.com's webhook body (`{triggerEvent, createdAt, payload}`), the parts we read. */
const CalcomEnvelope = z.object({
  triggerEvent: text(64),
  createdAt: isoTime,
  payload: z.optional(z.record(z.string(), z.unknown())),
});

const CalcomBooking = z.object({
  uid: text(200),
  startTime: isoTime,
  organizer: z.optional(z.object({ email: optionalText(254) })),
  // `metadata[leadId]=` on the booking link ends up here.
  metadata: z.optional(z.nullable(z.object({ leadId: optionalText(80) }))),
});

/** Calendly's webhook body (`{event, created_at, payload}`), the parts we read. */
const CALENDLY_EVENTS = { 'invitee.created': 'booked', 'invitee.canceled': 'cancelled' } as const;

const CalendlyEnvelope = z.object({
  event: text(64),
  payload: z.optional(z.record(z.string(), z.unknown())),
});

const CalendlyInvitee = z.object({
  uri: text(300),
  // Calendly sends a rescheduled booking as the old invitee canceled and a new one created.
  rescheduled: z.optional(z.nullable(z.boolean())),
  scheduled_event: z.object({
    start_time: isoTime,
    event_memberships: z.optional(z.array(z.object({ user_email: optionalText(254) }))),
  }),
  // `utm_content=` on the booking link ends up here.
  tracking: z.optional(z.nullable(z.object({ utm_content: optionalText(80) }))),
});

const prefixed = (error: unknown, prefix: string) => {
  if (!(error instanceof ValidationError)) return error;
  const issues = error.issues.map((issue) => ({ ...issue, path: `${prefix}${issue.path === '(body)' ? '' : `.${issue.path}`}` }));
  return new ValidationError(`Invalid ${issues.map((i) => i.path).join(', ')}: ${issues.map((i) => i.message).join('; ')}`, issues);
};

function jsonOf(rawBody: Buffer): unknown {
  try {
    return JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new ValidationError('Body is not valid JSON', [{ path: '(body)', message: 'must be valid JSON' }]);
  }
}

/** Reads a Cal.com delivery whose signature was checked: the change, or why it is ignored; and when Cal.com sent it. */
export function calcomChangeOf(rawBody: Buffer): { sentAt: Date; change: BookingChange | { ignored: string } } {
  const envelope = parseWith(CalcomEnvelope, jsonOf(rawBody));
  const sentAt = new Date(envelope.createdAt);
  const kind = CALCOM_TRIGGERS[envelope.triggerEvent as keyof typeof CALCOM_TRIGGERS];
  if (!kind) return { sentAt, change: { ignored: `trigger ${envelope.triggerEvent.slice(0, 64)}` } };
  let booking: z.infer<typeof CalcomBooking>;
  try {
    booking = parseWith(CalcomBooking, envelope.payload ?? {});
  } catch (error) {
    throw prefixed(error, 'payload');
  }
  return {
    sentAt,
    change: {
      tool: 'calcom',
      kind,
      leadId: booking.metadata?.leadId ?? undefined,
      bookingId: booking.uid,
      startsAt: new Date(booking.startTime).toISOString(),
      hostEmail: booking.organizer?.email ?? undefined,
    },
  };
}

/** Reads a Calendly delivery whose signature was checked: the change, or why it is ignored. */
export function calendlyChangeOf(rawBody: Buffer): BookingChange | { ignored: string } {
  const envelope = parseWith(CalendlyEnvelope, jsonOf(rawBody));
  const kind = CALENDLY_EVENTS[envelope.event as keyof typeof CALENDLY_EVENTS];
  if (!kind) return { ignored: `event ${envelope.event.slice(0, 64)}` };
  let invitee: z.infer<typeof CalendlyInvitee>;
  try {
    invitee = parseWith(CalendlyInvitee, envelope.payload ?? {});
  } catch (error) {
    throw prefixed(error, 'payload');
  }
  // The cancellation half of a reschedule: the new invitee's invitee.created follows.
  if (kind === 'cancelled' && invitee.rescheduled) return { ignored: 'rescheduled (the new booking follows)' };
  return {
    tool: 'calendly',
    kind,
    leadId: invitee.tracking?.utm_content ?? undefined,
    bookingId: invitee.uri,
    startsAt: new Date(invitee.scheduled_event.start_time).toISOString(),
    hostEmail: invitee.scheduled_event.event_memberships?.[0]?.user_email ?? undefined,
  };
}

/** Where bookings are kept on the lead. */
export interface MeetingBook {
  /** Keeps the lead's meeting as the latest delivery says; undefined when the lead is unknown. */
  recordMeeting(leadId: string, meeting: Meeting): Promise<Lead | undefined>;
}

export interface BookingDeps {
  store: LeadStore & MeetingBook;
  secrets: Pick<SecretSource, 'calcomWebhookSecrets' | 'calendlySigningKeys'>;
  clock: Clock;
  /** The zone a meeting's time is told in when the rep has none: the stage's business hours. */
  defaultTimeZone: string;
  /** The reps' own zones, by id (their working hours). */
  repTimeZones: Readonly<Record<string, string>>;
}

/** Why a signed booking was answered without being recorded (logged without personal data). */
export type BookingIgnored = 'unknown-lead' | 'no-lead-id' | 'another-rep' | string;

export type BookingOutcome =
  | { kind: 'recorded'; leadId: string; change: BookingChange['kind']; meeting: Meeting; response?: RepResponseResult }
  | { kind: 'ignored'; reason: BookingIgnored };

/** "Tue 10:30" in the rep's zone: how the alert and the timeline say when the meeting is. */
export function meetingTimeInWords(startsAt: string, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(startsAt)).map((p) => [p.type, p.value]),
  );
  return `${parts.weekday} ${parts.hour}:${parts.minute}`;
}

/** The same with its zone, as the rep reads it: "Tue 10:30 (Europe/Berlin)". */
export const meetingWhen = (startsAt: string, timeZone: string): string => `${meetingTimeInWords(startsAt, timeZone)} (${timeZone})`;

/** POST /booking/calcom: Cal.com's signature over the raw body first (401), then the body (400), then the lead. */
export async function bookFromCalcom(deps: BookingDeps, signed: BookingSignedRequest): Promise<BookingOutcome> {
  await verifyCalcomSignature(deps.secrets, signed);
  const { sentAt, change } = calcomChangeOf(signed.rawBody);
  refuseStaleCalcom(sentAt, deps.clock.now());
  const rememberUntil = new Date(sentAt.getTime() + (BOOKING_TOLERANCE_SECONDS + REMEMBERED_PAST_WINDOW_SECONDS) * 1000);
  return recordOnce(deps, 'calcom', signed, rememberUntil, sentAt, change);
}

/** POST /booking/calendly: Calendly's signature (with its time) first (401), then the body (400), then the lead. */
export async function bookFromCalendly(deps: BookingDeps, signed: BookingSignedRequest): Promise<BookingOutcome> {
  const { sentAt } = await verifyCalendlySignature(deps.secrets, signed, deps.clock.now());
  const change = calendlyChangeOf(signed.rawBody);
  const rememberUntil = new Date((sentAt + BOOKING_TOLERANCE_SECONDS + REMEMBERED_PAST_WINDOW_SECONDS) * 1000);
  return recordOnce(deps, 'calendly', signed, rememberUntil, new Date(sentAt * 1000), change);
}

/** How long an attempt holds a delivery's claim: longer than the function may run (10 s). */
const CLAIM_SECONDS = 15;

/**
 * Exactly once per signed delivery, as Slack's clicks: the same bytes again within their window
 * are a replay (401). A delivery that failed part-way releases its claim, so the tool's retry is
 * recorded; one that was read (recorded or ignored) completes it.
 */
async function recordOnce(deps: BookingDeps, tool: SchedulingTool, signed: BookingSignedRequest, rememberUntil: Date, bookedAt: Date, change: BookingChange | { ignored: string }): Promise<BookingOutcome> {
  const id = bookingDeliveryId(tool, signed);
  const now = deps.clock.now();
  const claim = await deps.store.claimWebhook(id, { now, lockUntil: new Date(now.getTime() + CLAIM_SECONDS * 1000), rememberUntil });
  if (claim.kind !== 'claimed') throw new SignatureInvalid('replayed', tool);
  let outcome: BookingOutcome;
  try {
    outcome = 'ignored' in change ? { kind: 'ignored', reason: change.ignored } : await recordChange(deps, change, bookedAt);
  } catch (error) {
    await deps.store.releaseWebhook(id, claim.claimToken).catch(() => undefined);
    throw error;
  }
  await deps.store.completeWebhook(id, claim.claimToken);
  return outcome;
}

async function recordChange(deps: BookingDeps, change: BookingChange, bookedAt: Date): Promise<BookingOutcome> {
  if (!change.leadId) return { kind: 'ignored', reason: 'no-lead-id' };
  const lead = change.leadId.length <= 80 ? await deps.store.getLead(change.leadId) : undefined;
  if (!lead) return { kind: 'ignored', reason: 'unknown-lead' };
  // Only the lead's own rep's calendar books the lead: another rep's page (or anyone's, copied) records nothing.
  if (!lead.ownerEmail || !change.hostEmail || lead.ownerEmail.toLowerCase() !== change.hostEmail.toLowerCase()) return { kind: 'ignored', reason: 'another-rep' };

  // A cancellation of a booking that is no longer the lead's meeting (rebooked since) changes nothing.
  if (change.kind === 'cancelled' && lead.meeting && lead.meeting.bookingId !== change.bookingId) return { kind: 'ignored', reason: 'not-the-current-meeting' };
  const at = bookedAt.toISOString();
  const meeting: Meeting = {
    tool: change.tool,
    bookingId: change.bookingId,
    startsAt: change.startsAt,
    status: change.kind === 'cancelled' ? 'cancelled' : 'booked',
    at,
  };
  const timeZone = (lead.ownerId && deps.repTimeZones[lead.ownerId]) || deps.defaultTimeZone;
  const when = meetingWhen(change.startsAt, timeZone);
  const response = change.kind === 'cancelled' ? undefined : await recordBookingResponse(deps, lead.leadId, { at, ...(lead.ownerId ? { repId: lead.ownerId } : {}), tool: change.tool });
  await deps.store.recordMeeting(lead.leadId, meeting);
  const type = { booked: 'meeting-booked', rescheduled: 'meeting-rescheduled', cancelled: 'meeting-cancelled' }[change.kind];
  await deps.store.appendEventOnce(lead.leadId, { type, at, actor: `booking:${change.tool}`, detail: { for: when, startsAt: change.startsAt, tool: change.tool } });
  return { kind: 'recorded', leadId: lead.leadId, change: change.kind, meeting, ...(response ? { response } : {}) };
}

/**
 * Which leads are offered a meeting on the thank-you: hot ones by default (the stage config's
 * `bookingOffer`), never a disqualified or nurtured one, and only with an owner who has a
 * scheduling page.
 */
export const BookingOfferSchema = z.strictObject({
  grades: z._default(z.array(z.enum(['hot', 'warm', 'cold'], { error: 'must be "hot", "warm" or "cold"' })), ['hot']),
  /** Only these forms (formId) get the offer; absent: every form. */
  formIds: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(100)))),
});

export type BookingOffer = z.infer<typeof BookingOfferSchema>;

/** How long after submitting the thank-you may ask whether to offer a meeting: the page is open then, not days later. */
export const OFFER_WINDOW_SECONDS = 15 * 60;

/** The owner's page with the lead's name and email filled in, and the lead id carried back in the booking (each tool's documented parameters). */
export function schedulingUrlFor(scheduling: NonNullable<Rep['scheduling']>, lead: Pick<Lead, 'leadId' | 'name' | 'email'>): string {
  const url = new URL(scheduling.url);
  const set = (name: string, value: string) => url.searchParams.set(name, value);
  if (scheduling.tool === 'calcom') {
    set('name', lead.name);
    set('email', lead.email);
    // Cal.com keeps `metadata[...]` query parameters on the booking, and sends them in its webhook.
    set('metadata[leadId]', lead.leadId);
  } else if (scheduling.tool === 'calendly') {
    set('name', lead.name);
    set('email', lead.email);
    // Calendly keeps UTM parameters on the invitee (`tracking`), and sends them in its webhook.
    set('utm_content', lead.leadId);
  } else {
    // HubSpot Meetings: first and last name and email; its bookings reach us through HubSpot's CRM, matched by email.
    const [first = lead.name, ...rest] = lead.name.trim().split(/\s+/);
    set('firstName', first);
    if (rest.length) set('lastName', rest.join(' '));
    set('email', lead.email);
  }
  return url.toString();
}

export type OfferAnswer = { status: 'pending' } | { status: 'none' } | { status: 'offer'; ownerName: string; url: string };

/**
 * What the thank-you shows, asked by the form script with the lead id the 202 gave it: wait
 * (not routed yet), nothing, or the owner's first name and page. Only within the window after
 * submitting, and for anyone else (an unknown id, or later) the same 404, so nothing is learned;
 * the id is a random UUID only the submitting browser was given at once.
 */
export function offerFor(lead: Lead | undefined, reps: readonly Rep[], offer: BookingOffer, now: Date): OfferAnswer | undefined {
  if (!lead || now.getTime() - Date.parse(lead.submittedAt) > OFFER_WINDOW_SECONDS * 1000) return undefined;
  if (!lead.grade || !lead.triage) return { status: 'pending' };
  const owner = reps.find((rep) => rep.id === lead.ownerId);
  const formFits = !offer.formIds || (lead.formId !== undefined && offer.formIds.includes(lead.formId));
  if (lead.triage.decision !== 'route' || !offer.grades.includes(lead.grade) || !formFits || !owner?.scheduling) return { status: 'none' };
  return { status: 'offer', ownerName: firstName(owner), url: schedulingUrlFor(owner.scheduling, lead) };
}

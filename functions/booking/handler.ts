import { systemClock } from '@domain/clock';
import { bookFromCalcom, bookFromCalendly, type BookingOutcome, offerFor } from '@domain/booking';
import { LeadNotFound } from '@domain/errors';
import { CALCOM_SIGNATURE_HEADER, CALENDLY_SIGNATURE_HEADER } from '@domain/booking-signature';
import { config } from '@commons/config';
import { httpHandler, json } from '@commons/http';
import { bookingLeadStore } from '@commons/lead-store';
import { logger } from '@commons/logger';
import { firstContact, measure } from '@commons/metrics';
import { signingSecrets } from '@commons/secrets';

/**
 * GET /leads/{id}/booking: what the thank-you offers (functions/domain/booking.ts offerFor).
 * POST /booking/calcom and /booking/calendly: a meeting booked (rescheduled, cancelled) on the
 * thank-you's scheduling page. The body stays unparsed until the tool's signature over its bytes
 * is checked (functions/domain/booking.ts). A booking we do not record (an unknown lead, another
 * rep's calendar) is answered 200, so the tool stops retrying, and logged without personal data.
 */
export const handler = httpHandler(
  async (event, context) => {
    if (event.routeKey === 'GET /leads/{id}/booking') {
      const leadId = event.pathParameters?.id ?? '';
      const lead = leadId.length <= 80 ? await bookingLeadStore().getLead(leadId) : undefined;
      const answer = offerFor(lead, config().REPS, config().BOOKING_OFFER, systemClock.now());
      if (!answer) throw new LeadNotFound(leadId);
      return json(200, answer);
    }
    const calcom = event.routeKey === 'POST /booking/calcom';
    const deps = {
      store: bookingLeadStore(),
      secrets: signingSecrets(),
      clock: systemClock,
      defaultTimeZone: config().SEQUENCE.businessHours?.defaultTimeZone ?? 'UTC',
      repTimeZones: Object.fromEntries(config().REPS.flatMap((rep) => (rep.workingHours ? [[rep.id, rep.workingHours.defaultTimeZone]] : []))),
    };
    const signed = { signature: event.headers[calcom ? CALCOM_SIGNATURE_HEADER : CALENDLY_SIGNATURE_HEADER], rawBody: event.rawBody ?? Buffer.alloc(0) };
    const outcome: BookingOutcome = calcom ? await bookFromCalcom(deps, signed) : await bookFromCalendly(deps, signed);
    if (outcome.kind === 'ignored') {
      logger.info('Booking not recorded', { tool: calcom ? 'calcom' : 'calendly', reason: outcome.reason });
      return json(200, { recorded: false, reason: outcome.reason });
    }
    if (outcome.response?.firstContact) measure(context, ...firstContact(outcome.response.lead, config().SLA_MINUTES, systemClock.now()));
    return json(200, { recorded: true, leadId: outcome.leadId, change: outcome.change, startsAt: outcome.meeting.startsAt });
  },
  // The tools' requests only: errors are JSON, any body type reaches the signature check.
  { jsonOnly: true, anyContentType: true, unparsedBody: true },
);

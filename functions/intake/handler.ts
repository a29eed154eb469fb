import { randomUUID } from 'node:crypto';
import { systemClock } from '@domain/clock';
import { ValidationError } from '@domain/errors';
import { submitLead, type IntakeDeps } from '@domain/intake';
import { readLeadSubmission } from '@domain/lead-submission';
import { config } from '@commons/config';
import { httpHandler, json } from '@commons/http';
import { leadStore } from '@commons/lead-store';
import { logger } from '@commons/logger';
import { duplicateSubmission, leadSubmitted, measure } from '@commons/metrics';
import { startQueue } from '@commons/start-queue';
import { workflowStarter } from '@commons/workflow-starter';

let deps: IntakeDeps | undefined;
const intakeDeps = (): IntakeDeps =>
  (deps ??= {
    store: leadStore(),
    workflow: workflowStarter(),
    startQueue: startQueue(),
    clock: systemClock,
    sequence: config().SEQUENCE,
    hotSlaMinutes: config().SLA_MINUTES.hot,
    newLeadId: randomUUID,
  });

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/** POST /leads: a website form's submission becomes a lead with its sequence started. */
export const handler = httpHandler(async (event, context) => {
  const {
    submission: { website: honeypot, ...submission },
    dropped,
    clipped,
  } = readLeadSubmission(event.body);
  // Bots fill the hidden field; they get the same answer as people and nothing happens.
  if (honeypot) {
    logger.info('Honeypot submission dropped');
    return json(202, { leadId: randomUUID(), status: 'accepted' });
  }
  const key = event.headers['idempotency-key'];
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw new ValidationError('Invalid Idempotency-Key header', [{ path: 'Idempotency-Key', message: 'must be 1-200 visible ASCII characters' }]);
  }
  const { leadId, duplicate, startQueued } = await submitLead(intakeDeps(), submission, key, { dropped, clipped });
  logger.info(duplicate ? 'Duplicate submission' : 'Lead accepted', { leadId, ...(startQueued ? { startQueued } : {}), ...(dropped.length ? { dropped } : {}), ...(clipped.length ? { clipped } : {}) });
  measure(context, ...(duplicate ? duplicateSubmission() : leadSubmitted(submission)));
  return duplicate ? json(200, { leadId, status: 'accepted', duplicate: true }) : json(202, { leadId, status: 'accepted' });
}, { jsonOnly: true });

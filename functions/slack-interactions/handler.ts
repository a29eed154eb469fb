import { systemClock } from '@domain/clock';
import { answerSlackClick } from '@domain/slack-interaction';
import { SLACK_SIGNATURE_HEADER, SLACK_TIMESTAMP_HEADER } from '@domain/slack-signature';
import { config, routingOf } from '@commons/config';
import { httpHandler, type HttpResult } from '@commons/http';
import { leadStore } from '@commons/lead-store';
import { firstContact, measure, repResponded } from '@commons/metrics';
import { signingSecrets } from '@commons/secrets';
import { slack } from '@commons/slack';

/** Slack wants a bare 200 for a click; what the rep sees comes from the message's update or a note. */
const acknowledged: HttpResult = { statusCode: 200, headers: { 'cache-control': 'no-store' }, body: '' };

/**
 * POST /slack/interactions: a click on a hot-lead alert's button. The body stays unparsed
 * until Slack's signature over its bytes is checked (functions/domain/slack-interaction.ts).
 */
export const handler = httpHandler(
  async (event, context) => {
    const connected = slack('click');
    if (!connected) throw new Error('slack-interactions has no Slack bot token (SLACK_BOT_TOKEN_ID)');
    const outcome = await answerSlackClick(
      { store: leadStore(), secrets: signingSecrets(), clock: systemClock, ...connected, reps: config().REPS, ...(routingOf().teamLead ? { teamLead: routingOf().teamLead! } : {}) },
      { signature: event.headers[SLACK_SIGNATURE_HEADER], timestamp: event.headers[SLACK_TIMESTAMP_HEADER], rawBody: event.rawBody ?? Buffer.alloc(0) },
    );
    if (outcome.kind === 'answered') {
      measure(context, ...repResponded(outcome.result.outcome, outcome.result.lead.rejectReason));
      if (outcome.result.firstContact) measure(context, ...firstContact(outcome.result.lead, config().SLA_MINUTES, systemClock.now()));
    }
    return acknowledged;
  },
  // Slack's requests only: errors are JSON (never the email link's pages), any body type reaches the signature check.
  { jsonOnly: true, anyContentType: true, unparsedBody: true },
);

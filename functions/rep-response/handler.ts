import { systemClock } from '@domain/clock';
import { contactPage, responseRecordedPage } from '@domain/pages';
import { recordFromHubspot, recordFromPipedrive, recordFromSalesforce } from '@domain/crm-inbound';
import { SALESFORCE_ACK } from '@domain/salesforce-crm';
import { xml } from '@commons/http-response';
import { logger } from '@commons/logger';
import { PIPEDRIVE_AUTH_HEADER } from '@domain/pipedrive-crm';
import { pipelineFromWebhook } from '@domain/pipeline-changes';
import { leadForContactLink, RepResponseSchema, respondFromCrm, respondToLead } from '@domain/rep-response';
import { SignatureInvalid } from '@domain/errors';
import { config } from '@commons/config';
import { html, httpHandler, hubspotRequestOf, json, parseWith, signedRequestOf, wantsHtml } from '@commons/http';
import { crmLeadStore } from '@commons/lead-store';
import { signingSecrets } from '@commons/secrets';
import { linkDeps } from '@commons/link-deps';
import { firstContact, measure, repResponded } from '@commons/metrics';

/**
 * GET /leads/{id}/contact shows the lead and the response buttons and changes nothing (mail
 * scanners open links); POST /leads/{id}/contact records the rep's response, either with the
 * link's token or as a CRM's webhook signed with the shared secret (X-Signature).
 * POST /leads/{id}/outcome records what the CRM says next (opportunity, won, lost), signed
 * the same way.
 */
export const handler = httpHandler(async (event, context) => {
  const leadId = event.pathParameters?.id ?? '';
  if (event.routeKey === 'POST /crm/hubspot') {
    const result = await recordFromHubspot({ store: crmLeadStore(), secrets: signingSecrets(), clock: systemClock }, config().HUBSPOT, hubspotRequestOf(event, config().PUBLIC_BASE_URL), event.body);
    if (result.response && !result.response.replayed) measure(context, ...repResponded(result.response.outcome, undefined));
    return json(200, result);
  }
  if (event.routeKey === 'POST /crm/salesforce') {
    const deps = { store: crmLeadStore(), secrets: signingSecrets(), clock: systemClock };
    const result = await recordFromSalesforce(deps, config().SALESFORCE, event.queryStringParameters?.token, event.rawBody ?? Buffer.alloc(0));
    logger.info('Salesforce outbound message acknowledged', { ...result });
    return xml(200, SALESFORCE_ACK);
  }
  if (event.routeKey === 'POST /crm/pipedrive') {
    return json(200, await recordFromPipedrive({ store: crmLeadStore(), secrets: signingSecrets(), clock: systemClock }, config().PIPEDRIVE, event.headers[PIPEDRIVE_AUTH_HEADER], event.body));
  }
  if (event.routeKey === 'POST /leads/{id}/outcome') {
    const signed = signedRequestOf(event);
    if (!signed) throw new SignatureInvalid('missing-signature');
    const { pipeline, changed } = await pipelineFromWebhook(linkDeps(), leadId, signed, event.body);
    return json(200, { leadId, stage: pipeline.stage, stageAt: pipeline.stageAt, opportunityAt: pipeline.opportunityAt, amount: pipeline.amount, currency: pipeline.currency, lostReason: pipeline.lostReason, changed });
  }
  if (event.requestContext.http.method === 'GET') {
    const token = event.queryStringParameters?.token ?? '';
    const { lead } = await leadForContactLink(linkDeps(), leadId, token);
    return html(200, contactPage(lead, token, 'contact'));
  }
  const signed = signedRequestOf(event);
  const result = signed
    ? await respondFromCrm(linkDeps(), leadId, signed, event.body)
    : await respondToLead(linkDeps(), leadId, parseWith(RepResponseSchema, event.body));

  if (!result.replayed) measure(context, ...repResponded(result.outcome, result.lead.rejectReason));
  if (result.firstContact) measure(context, ...firstContact(result.lead, config().SLA_MINUTES, systemClock.now()));

  const { contactedAt, outcome } = result;
  return wantsHtml(event) ? html(200, responseRecordedPage(outcome, contactedAt)) : json(200, { leadId, contactedAt, outcome });
}, { soapRoutes: ['POST /crm/salesforce'] });

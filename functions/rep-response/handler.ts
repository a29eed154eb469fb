import { contactPage, responseRecordedPage } from '@domain/pages';
import { leadForContactLink, RepResponseSchema, respondToLead } from '@domain/rep-response';
import { html, httpHandler, json, parseWith, wantsHtml } from '@commons/http';
import { linkDeps } from '@commons/link-deps';

/**
 * GET /leads/{id}/contact shows the lead and the response buttons and changes nothing (mail
 * scanners open links); POST /leads/{id}/contact records the rep's response.
 */
export const handler = httpHandler(async (event) => {
  const leadId = event.pathParameters?.id ?? '';
  if (event.requestContext.http.method === 'GET') {
    const token = event.queryStringParameters?.token ?? '';
    const { lead } = await leadForContactLink(linkDeps(), leadId, token);
    return html(200, contactPage(lead, token, 'contact'));
  }
  const request = parseWith(RepResponseSchema, event.body);
  const result = await respondToLead(linkDeps(), leadId, request);
  return wantsHtml(event) ? html(200, responseRecordedPage(result.outcome, result.contactedAt)) : json(200, result);
});

import { unsubscribedPage, unsubscribePage } from '@domain/pages';
import { checkUnsubscribeLink, unsubscribeLead } from '@domain/unsubscribe';
import { html, httpHandler, json, wantsHtml } from '@commons/http';
import { linkDeps } from '@commons/link-deps';
import { leadUnsubscribed, measure } from '@commons/metrics';

/**
 * GET /leads/{id}/unsubscribe asks to confirm; POST unsubscribes at once. Mail clients'
 * one-click unsubscribe (RFC 8058) POSTs `List-Unsubscribe=One-Click` to the List-Unsubscribe
 * URL itself, which carries the token, as multipart/form-data (what the RFC says it SHOULD
 * send) or as a urlencoded form (what it MAY send, and Gmail does); our confirm page posts the
 * token in its form. So any body is taken and never needs to be read beyond a form or JSON:
 * the signed URL is what authorizes, and a POST (never a scanner's GET) is the person's click.
 * The answer is a 200, never a redirect (RFC 8058 3.1: redirected POSTs become GETs).
 */
export const handler = httpHandler(async (event, context) => {
  const leadId = event.pathParameters?.id ?? '';
  const queryToken = event.queryStringParameters?.token;
  if (event.requestContext.http.method === 'GET') {
    await checkUnsubscribeLink(linkDeps(), leadId, queryToken);
    return html(200, unsubscribePage(queryToken ?? '', 'unsubscribe'));
  }
  const bodyToken = (event.body as { token?: unknown } | undefined)?.token;
  const { unsubscribedAt, firstTime } = await unsubscribeLead(linkDeps(), leadId, bodyToken ?? queryToken);
  if (firstTime) measure(context, ...leadUnsubscribed());
  return wantsHtml(event) ? html(200, unsubscribedPage()) : json(200, { leadId, unsubscribed: true, unsubscribedAt });
}, { anyContentType: true });

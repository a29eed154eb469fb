import { unsubscribedPage, unsubscribePage } from '@domain/pages';
import { checkUnsubscribeLink, unsubscribeLead } from '@domain/unsubscribe';
import { html, httpHandler, json, wantsHtml } from '@commons/http';
import { linkDeps } from '@commons/link-deps';
import { leadUnsubscribed, measure } from '@commons/metrics';

/**
 * GET /leads/{id}/unsubscribe asks to confirm; POST unsubscribes at once. Mail clients'
 * one-click unsubscribe (RFC 8058) POSTs `List-Unsubscribe=One-Click` to the link itself, so
 * the token may come in the query string or in the form.
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
});

import { executionArnOf as executionArnFor } from '@adapters/sfn-workflow-starter';
import { expiryAfterDays, signLink } from '@domain/links';
import { signWebhook } from '@domain/webhook-signature';
import type { LocalStack } from './stack';

/**
 * What people do with the local stack, over its HTTP API only: a website's form posts a lead,
 * a rep answers from the alert's signed link or from a CRM's signed webhook, a lead
 * unsubscribes with one click. The benchmarks and the soak drive every lead path with these.
 */
export const leadShapes = {
  /** Scores hot: a director asking for a demo and a quote. */
  hot: (email: string) => ({ email, name: 'Dana Director', company: 'Acme', jobTitle: 'Director of Sales', companySize: '201-500', formId: 'demo-request', message: 'We would like a demo and a quote.' }),
  /** Scores warm: a manager asking about pricing, no buying words, small company. */
  warm: (email: string) => ({ email, name: 'Wes Warm', jobTitle: 'Office Manager', formId: 'pricing' }),
  cold: (email: string) => ({ email, name: 'Sam Cold', formId: 'newsletter' }),
};

export type LeadShape = keyof typeof leadShapes;

/** The lead's execution, named as intake names it. */
export const executionArnOf = (stack: Pick<LocalStack, 'runner'>, leadId: string) => executionArnFor(stack.runner.stateMachineArn, leadId);

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw });
  const text = await response.text();
  let parsed: Record<string, any> = {};
  try {
    parsed = JSON.parse(text) as Record<string, any>;
  } catch {
    parsed = { text };
  }
  return { status: response.status, body: parsed };
}

/** The website's form: POST /leads. */
export const submitLead = (stack: Pick<LocalStack, 'apiUrl'>, body: unknown, headers: Record<string, string> = {}) => postJson(`${stack.apiUrl}/leads`, body, headers);

/** A rep's signed link token, as the alert email carries it. */
export const repToken = (stack: Pick<LocalStack, 'linkSecret'>, leadId: string, repId = 'rep-ana') =>
  signLink({ leadId, purpose: 'contact', repId, expiresAt: expiryAfterDays(new Date(), 30) }, stack.linkSecret);

/** The rep clicks "Mark as contacted" in the alert (the page's button POSTs the token). */
export const contactFromLink = (stack: Pick<LocalStack, 'apiUrl' | 'linkSecret'>, leadId: string, outcome = 'contacted') =>
  postJson(`${stack.apiUrl}/leads/${leadId}/contact`, { token: repToken(stack, leadId), outcome });

/** The CRM marks the lead: the same route, signed with the shared webhook secret. */
export function contactFromCrm(stack: Pick<LocalStack, 'apiUrl' | 'webhookSecret'>, leadId: string, { outcome = 'contacted', repId = 'rep-ben' } = {}) {
  const raw = JSON.stringify({ leadId, outcome, repId });
  const timestamp = Math.floor(Date.now() / 1000);
  return postJson(`${stack.apiUrl}/leads/${leadId}/contact`, raw, { 'x-timestamp': String(timestamp), 'x-signature': signWebhook(raw, timestamp, stack.webhookSecret) });
}

/** The lead's mail client sends the RFC 8058 one-click unsubscribe from the List-Unsubscribe header. */
export async function unsubscribeOneClick(stack: Pick<LocalStack, 'apiUrl' | 'linkSecret'>, leadId: string) {
  const token = signLink({ leadId, purpose: 'unsubscribe', expiresAt: expiryAfterDays(new Date(), 30) }, stack.linkSecret);
  const response = await fetch(`${stack.apiUrl}/leads/${leadId}/unsubscribe?token=${encodeURIComponent(token)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });
  await response.text();
  return { status: response.status, retryAfter: response.headers.get('retry-after') ?? undefined };
}

import { randomUUID } from 'node:crypto';
import { expiryAfterDays, signLink } from '@domain/links';
import type { LocalStack } from '../../local/stack';

/** A unique address per test, so tests sharing an inbox never read each other's mail. */
export const uniqueEmail = (who: string, domain = 'acme.io') => `${who}.${randomUUID().slice(0, 8)}@${domain}`;

export const hotLead = (email: string) => ({
  email,
  name: 'Dana Director',
  company: 'Acme',
  jobTitle: 'Director of Sales',
  companySize: '201-500',
  formId: 'demo-request',
  message: 'We would like a demo and a quote.',
});

/** Scores warm: a manager asking about pricing, no buying words, small company. */
export const warmLead = (email: string) => ({ email, name: 'Wes Warm', jobTitle: 'Office Manager', formId: 'pricing' });

export async function postLead(stack: Pick<LocalStack, 'apiUrl'>, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${stack.apiUrl}/leads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** A rep's signed link token, as the alert email or a CRM integration would carry it. */
export const repToken = (stack: Pick<LocalStack, 'linkSecret'>, leadId: string, repId = 'rep-ana') =>
  signLink({ leadId, purpose: 'contact', repId, expiresAt: expiryAfterDays(new Date(), 30) }, stack.linkSecret);

export async function markContacted(stack: Pick<LocalStack, 'apiUrl' | 'linkSecret'>, leadId: string, body: Record<string, unknown> = {}) {
  const response = await fetch(`${stack.apiUrl}/leads/${leadId}/contact`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: repToken(stack, leadId), outcome: 'contacted', ...body }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

export const executionArnOf = (stack: Pick<LocalStack, 'runner'>, leadId: string) =>
  `${stack.runner.stateMachineArn.replace(':stateMachine:', ':execution:')}:${leadId}`;

/** The states a lead's execution entered, in order: the path the lead took. */
export const statesEntered = (stack: Pick<LocalStack, 'runner'>, leadId: string): string[] =>
  stack.runner
    .history(executionArnOf(stack, leadId))
    .filter((event) => event.type === 'StateEntered')
    .map((event) => (event as { state: { name: string } }).state.name);

import { randomUUID } from 'node:crypto';
import { executionArnOf, leadShapes, repToken } from '../../local/people';
import type { LocalStack } from '../../local/stack';

export { executionArnOf, repToken };

/** A unique address per test, so tests sharing an inbox never read each other's mail. */
export const uniqueEmail = (who: string, domain = 'acme.io') => `${who}.${randomUUID().slice(0, 8)}@${domain}`;

export const hotLead = leadShapes.hot;

/** Scores warm: a manager asking about pricing, no buying words, small company. */
export const warmLead = leadShapes.warm;

export async function postLead(stack: Pick<LocalStack, 'apiUrl'>, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${stack.apiUrl}/leads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

export async function markContacted(stack: Pick<LocalStack, 'apiUrl' | 'linkSecret'>, leadId: string, body: Record<string, unknown> = {}) {
  const response = await fetch(`${stack.apiUrl}/leads/${leadId}/contact`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: repToken(stack, leadId), outcome: 'contacted', ...body }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** The states a lead's execution entered, in order: the path the lead took. */
export const statesEntered = (stack: Pick<LocalStack, 'runner'>, leadId: string): string[] =>
  stack.runner
    .history(executionArnOf(stack, leadId))
    .filter((event) => event.type === 'StateEntered')
    .map((event) => (event as { state: { name: string } }).state.name);

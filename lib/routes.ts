/**
 * The HTTP contract as one table: CDK builds API Gateway routes from it and the local API
 * serves the same table, so the two cannot disagree. `handler` names a folder in functions/.
 */
export const routes = [
  { method: 'POST', path: '/leads', handler: 'intake' },
  { method: 'GET', path: '/leads/{id}/contact', handler: 'rep-response' },
  { method: 'POST', path: '/leads/{id}/contact', handler: 'rep-response' },
  { method: 'GET', path: '/leads/{id}/unsubscribe', handler: 'unsubscribe' },
  { method: 'POST', path: '/leads/{id}/unsubscribe', handler: 'unsubscribe' },
  { method: 'GET', path: '/lead-form.js', handler: 'lead-form' },
] as const;

export type Route = (typeof routes)[number];
export type RouteHandlerName = Route['handler'];

/** Workflow step functions, one Lambda each; the state machine invokes them by this name. */
export const workflowSteps = [
  'send-confirmation',
  'score-and-route',
  'alert-rep',
  'escalate-lead',
  'send-follow-up',
  'close-lead',
  'record-failure',
] as const;

export type WorkflowStepName = (typeof workflowSteps)[number];

/**
 * Functions that react to AWS events rather than to the API or the workflow: SES's bounces
 * and complaints, and the start queue (lead workflows Step Functions throttled at intake).
 */
export const eventHandlers = ['sender-events', 'start-workflow'] as const;

export type EventHandlerName = (typeof eventHandlers)[number];

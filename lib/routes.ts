/**
 * The HTTP contract as one table: CDK builds API Gateway routes from it and the local API
 * serves the same table, so the two cannot disagree. `handler` names a folder in functions/.
 * `auth: 'team'` puts a route behind the team's sign-in (the HTTP API's JWT authorizer on a
 * Cognito ID token; the local API checks the same token against the emulator's keys).
 * Routes without it are public, and authorize themselves (signed links, webhook signatures).
 * More specific routes come first: the local API takes the first match, as API Gateway takes
 * the most specific one.
 */
export const routes = [
  { method: 'POST', path: '/leads', handler: 'intake' },
  { method: 'GET', path: '/leads/{id}/contact', handler: 'rep-response' },
  { method: 'POST', path: '/leads/{id}/contact', handler: 'rep-response' },
  // What the CRM says after the first answer (opportunity, won, lost), signed as /contact is.
  { method: 'POST', path: '/leads/{id}/outcome', handler: 'rep-response' },
  // HubSpot's own webhook (a workflow's "Send a webhook"), signed with the HubSpot app's client secret.
  { method: 'POST', path: '/crm/hubspot', handler: 'rep-response' },
  // Pipedrive's webhooks (v2) for deals, with the HTTP Basic auth they were created with.
  { method: 'POST', path: '/crm/pipedrive', handler: 'rep-response' },
  // Salesforce's Outbound Messages (SOAP), to the URL with the stack's token.
  { method: 'POST', path: '/crm/salesforce', handler: 'rep-response' },
  { method: 'GET', path: '/leads/{id}/unsubscribe', handler: 'unsubscribe' },
  { method: 'POST', path: '/leads/{id}/unsubscribe', handler: 'unsubscribe' },
  { method: 'GET', path: '/lead-form.js', handler: 'lead-form' },
  // Slack's button clicks on the hot-lead alerts, signed by Slack (docs/slack.md).
  { method: 'POST', path: '/slack/interactions', handler: 'slack-interactions' },
  // Meetings booked on the thank-you, each tool's webhook signed its own way (docs/booking.md).
  // The thank-you asks whether to offer the lead a meeting, and with whom (the form script polls it).
  { method: 'GET', path: '/leads/{id}/booking', handler: 'booking' },
  { method: 'POST', path: '/booking/calcom', handler: 'booking' },
  { method: 'POST', path: '/booking/calendly', handler: 'booking' },
  { method: 'GET', path: '/app/api/me', handler: 'app-api', auth: 'team' },
  { method: 'GET', path: '/app/api/queue', handler: 'app-api', auth: 'team' },
  { method: 'GET', path: '/app/api/leads/{id}', handler: 'app-api', auth: 'team' },
  { method: 'POST', path: '/app/api/leads/{id}/response', handler: 'app-api', auth: 'team' },
  { method: 'GET', path: '/app/api/team', handler: 'app-api', auth: 'team' },
  { method: 'PUT', path: '/app/api/team/reps/{repId}', handler: 'app-api', auth: 'team' },
  { method: 'GET', path: '/app/api/dashboard', handler: 'app-api', auth: 'team' },
  { method: 'GET', path: '/app/api/dashboard.csv', handler: 'app-api', auth: 'team' },
  // The app's page and assets: public (they hold no data), the sign-in happens in the page.
  { method: 'GET', path: '/app', handler: 'app-page' },
  { method: 'GET', path: '/app/{asset+}', handler: 'app-page' },
] as const satisfies ReadonlyArray<{ method: 'GET' | 'POST' | 'PUT'; path: string; handler: string; auth?: 'team' }>;

export type Route = (typeof routes)[number];

/** Whether the route is behind the team's sign-in. */
export const isTeamRoute = (route: Route): boolean => 'auth' in route && route.auth === 'team';
export type RouteHandlerName = Route['handler'];

/** The API's handlers, once each (a handler may serve several routes). */
export const routeHandlers: readonly RouteHandlerName[] = [...new Set(routes.map((route) => route.handler))];

/** CloudFormation metadata key naming a function's folder; the local workflow runner dispatches on it. */
export const handlerMetadataKey = 'SpeedToLead:Handler';

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

import { systemClock } from '@domain/clock';
import { LeadNotFound } from '@domain/errors';
import { QUEUE_DAYS, recentLeadsOf } from '@domain/queue';
import { respondInApp } from '@domain/rep-response';
import { dashboard, dashboardCsv, parseDashboardQuery, reportRecordsBetween } from '@domain/reports';
import { actorOf, queueOwner, requireAccessTo, requireManager, teamUserOf, whoIsSignedIn } from '@domain/team-access';
import { changeTeamMember, readTeamView } from '@domain/team-settings';
import type { Me } from '@domain/team-app';
import { leadView, queueView } from '@domain/team-views';
import { config, routingOf } from '@commons/config';
import { type HttpEvent, type HttpResult, httpHandler, json } from '@commons/http';
import { leadReads, leadStore } from '@commons/lead-store';
import { firstContact, measure, repResponded } from '@commons/metrics';
import { teamSettingsDeps } from '@commons/team-store';
import type { Context } from 'aws-lambda';

/**
 * The team app's API (every route behind the JWT authorizer, see lib/routes.ts): the handler
 * reads who is signed in from the token's claims, then calls one domain function per route.
 * What each person may see and change is decided in functions/domain/team-access.ts.
 */
type Route = (event: HttpEvent, me: Me, context: Context) => Promise<HttpResult>;

const reps = () => config().REPS;

const leadOf = async (leadId: string, me: Me) => {
  const lead = await leadReads().getLead(leadId);
  if (!lead) throw new LeadNotFound(leadId);
  requireAccessTo(me, lead);
  return lead;
};

/** Time kept back from the function's timeout for computing the figures once the leads are read. */
const COMPUTE_MS = 3_000;

/**
 * The dashboard's figures for the query's period and filters, from the leads' report records
 * (the digest's items of those days, never a scan). A period too big to read before the
 * function's timeout is a clear 422 (choose a shorter period), not the 503 "try again" a
 * timeout would give.
 */
async function dashboardFor(event: HttpEvent, me: Me, context: Context) {
  requireManager(me, 'open the dashboard');
  const now = systemClock.now();
  const { range, filters } = parseDashboardQuery(event.queryStringParameters ?? {}, now);
  const deadline = { at: Date.now() + context.getRemainingTimeInMillis() - COMPUTE_MS, now: () => Date.now() };
  const records = await reportRecordsBetween(leadReads(), range, { deadline });
  return dashboard(records, range, filters, config().SLA_MINUTES, now, reps());
}

const routes: Record<string, Route> = {
  'GET /app/api/me': async (_event, me) => json(200, me),

  'GET /app/api/queue': async (event, me) => {
    const repId = queueOwner(me, event.queryStringParameters?.rep, reps());
    const rep = reps().find((r) => r.id === repId)!;
    const now = systemClock.now();
    const leads = await recentLeadsOf(leadReads(), repId, QUEUE_DAYS, now);
    return json(200, queueView(rep, leads, config().SLA_MINUTES, now, reps()));
  },

  'GET /app/api/leads/{id}': async (event, me) => {
    const lead = await leadOf(event.pathParameters?.id ?? '', me);
    return json(200, leadView(lead, await leadReads().listEvents(lead.leadId), config().SLA_MINUTES, systemClock.now(), reps()));
  },

  'POST /app/api/leads/{id}/response': async (event, me, context) => {
    const { leadId } = await leadOf(event.pathParameters?.id ?? '', me);
    const result = await respondInApp({ store: leadStore(), clock: systemClock }, leadId, event.body, actorOf(me));
    measure(context, ...repResponded(result.outcome, result.lead.rejectReason));
    if (result.firstContact) measure(context, ...firstContact(result.lead, config().SLA_MINUTES, systemClock.now()));
    return json(200, { leadId, contactedAt: result.contactedAt, outcome: result.outcome });
  },

  'GET /app/api/team': async (_event, me) => {
    requireManager(me, 'see the team');
    return json(200, await readTeamView(teamSettingsDeps(), systemClock.now()));
  },

  'PUT /app/api/team/reps/{repId}': async (event, me) => {
    requireManager(me, 'change the team');
    return json(200, await changeTeamMember(teamSettingsDeps(), me.email, event.pathParameters?.repId ?? '', event.body, systemClock.now()));
  },

  'GET /app/api/dashboard': async (event, me, context) => json(200, await dashboardFor(event, me, context)),

  'GET /app/api/dashboard.csv': async (event, me, context) => {
    const view = await dashboardFor(event, me, context);
    return {
      statusCode: 200,
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="speed-to-lead-${view.from}-${view.to}.csv"`,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      },
      body: dashboardCsv(view),
    };
  },
};

export const handler = httpHandler(
  async (event, context) => {
    const claims = (event.requestContext as { authorizer?: { jwt?: { claims?: Record<string, unknown> } } }).authorizer?.jwt?.claims;
    const me = whoIsSignedIn(teamUserOf(claims), reps(), routingOf().teamLead);
    const route = routes[event.routeKey];
    if (!route) return json(404, { error: 'NotFound', message: `No route ${event.routeKey}` });
    return route(event, me, context);
  },
  { jsonOnly: true },
);

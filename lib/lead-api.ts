import { CfnOutput, Duration } from 'aws-cdk-lib';
import { AccessLogField, AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  type HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { DeployConfig } from './config';
import { acknowledgeNag } from './nag';
import { isTeamRoute, type RouteHandlerName, routes } from './routes';

export interface LeadApiProps {
  readonly config: DeployConfig;
}

/** Access log line: enough to trace a request and see latency, with no IPs and no bodies. */
const accessLogFormat = AccessLogFormat.custom(
  JSON.stringify({
    requestId: AccessLogField.contextRequestId(),
    requestTime: AccessLogField.contextRequestTime(),
    routeKey: AccessLogField.contextRouteKey(),
    status: AccessLogField.contextStatus(),
    latency: AccessLogField.contextResponseLatency(),
    integrationLatency: AccessLogField.contextIntegrationLatency(),
    responseLength: AccessLogField.contextResponseLength(),
  }),
);

/**
 * The public HTTP API, built from the route table. Created before the functions so they can
 * link to its endpoint; routes are added once the functions exist.
 */
export class LeadApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, { config }: LeadApiProps) {
    super(scope, id);

    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: `speed-to-lead ${config.stage}: lead intake and email link callbacks`,
      createDefaultStage: false,
      corsPreflight:
        config.siteOrigins.length > 0
          ? {
              allowOrigins: config.siteOrigins,
              allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.OPTIONS],
              allowHeaders: ['content-type', 'idempotency-key'],
              maxAge: Duration.hours(1),
            }
          : undefined,
    });

    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.throttling.rateLimit, burstLimit: config.throttling.burstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(new LogGroup(this, 'AccessLogs', { retention: config.logRetentionDays })),
        format: accessLogFormat,
      },
    });

    // Per-route limits (the public form can be held tighter than the rep links).
    const routeThrottles = Object.entries(config.throttling.routes ?? {});
    if (routeThrottles.length > 0) {
      (this.stage.node.defaultChild as CfnStage).routeSettings = Object.fromEntries(
        // routeSettings is raw JSON to CloudFormation: its keys are the template's own.
        routeThrottles.map(([routeKey, limits]) => [routeKey, { ThrottlingRateLimit: limits.rateLimit, ThrottlingBurstLimit: limits.burstLimit }]),
      );
    }

    acknowledgeNag(this, 'APIG4',
      'The lead routes are public by design: a website form posts leads anonymously, and the email-link callbacks are authorized by their signed, expiring token; the team app\'s page holds no data, and its API routes have the Cognito JWT authorizer.');

    new CfnOutput(this, 'Url', { description: 'Base URL of the lead API', value: this.stage.url });
  }

  /** The API's own endpoint (no trailing slash), for links in emails. */
  get endpoint(): string {
    return this.httpApi.apiEndpoint;
  }

  /**
   * One route per entry of the route table; a handler serving several routes shares one
   * integration. The team's routes (`auth: 'team'`) get the JWT authorizer.
   */
  addRoutes(handler: (name: RouteHandlerName) => IFunction, teamAuthorizer: IHttpRouteAuthorizer): void {
    const integrations = new Map<RouteHandlerName, HttpLambdaIntegration>();
    for (const route of routes) {
      let integration = integrations.get(route.handler);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${route.handler}-integration`, handler(route.handler), {
          payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
        });
        integrations.set(route.handler, integration);
      }
      this.httpApi.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration, ...(isTeamRoute(route) ? { authorizer: teamAuthorizer } : {}) });
    }
  }
}

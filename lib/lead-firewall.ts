import { CfnOutput, Duration, Fn, Stack, type StackProps, Tags, Token } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { Firewall } from './config';
import { acknowledgeNag } from './nag';

/**
 * The optional firewall of a stage (`firewall` in its deploy config). AWS WAF cannot be
 * attached to an API Gateway HTTP API (only to REST APIs, CloudFront, ALBs and a few others),
 * so the API gets a CloudFront distribution in front of it, and the distribution a web ACL
 * that limits requests per client IP. CloudFront takes web ACLs only from us-east-1: the web
 * ACL is a small stack of its own there (`<stage stack>-firewall`), and the stage itself stays
 * in whatever region it is deployed to.
 */
export const FIREWALL_REGION = 'us-east-1';

/** What a client over its limit reads, in the API's own error shape. */
const tooManyRequests = {
  error: 'TooManyRequests',
  message: 'Too many requests from your network. Wait a few minutes and try again.',
};
const TOO_MANY_REQUESTS_BODY = 'TooManyRequests';

/** A CloudFront web ACL's metrics: namespace AWS/WAFV2 in us-east-1, dimensions WebACL (its name) and Rule (a rule's metric name, or ALL). */
export interface FirewallMetrics {
  readonly webAcl: string;
  readonly rules: ReadonlyArray<{ rule: string; metricName: string }>;
}

export interface LeadFirewallStackProps extends StackProps {
  readonly stage: string;
  readonly firewall: Firewall;
}

/** The web ACL (scope CLOUDFRONT, so in us-east-1): rate limits per client IP and AWS's common rules. */
export class LeadFirewallStack extends Stack {
  /** The output the stage's distribution reads the web ACL's ARN from. */
  static readonly webAclArnOutput = 'WebAclArn';
  readonly webAcl: CfnWebACL;
  /** What the stage's dashboard graphs: the web ACL's name and each rule's metric (AWS/WAFV2, in us-east-1). */
  readonly metrics: FirewallMetrics;

  constructor(scope: Construct, id: string, { stage, firewall, ...props }: LeadFirewallStackProps) {
    super(scope, id, {
      description: `speed-to-lead (${stage}): the AWS WAF web ACL in front of the lead API's CloudFront distribution`,
      ...props,
      env: { ...props.env, region: FIREWALL_REGION },
    });
    // The stage's tags do not reach a sibling stack; the web ACL is billed to the same stage.
    Tags.of(this).add('project', 'speed-to-lead');
    Tags.of(this).add('stage', stage);
    const metric = (name: string): CfnWebACL.VisibilityConfigProperty => ({
      metricName: `speed-to-lead-${stage}-${name}`,
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
    });
    const blockWith429: CfnWebACL.RuleActionProperty = {
      block: { customResponse: { responseCode: 429, customResponseBodyKey: TOO_MANY_REQUESTS_BODY } },
    };

    const rules: CfnWebACL.RuleProperty[] = [];
    if (firewall.leadsPerIpPer5Min !== undefined) {
      // The form is what abuse aims at: every accepted lead costs an email and a workflow.
      rules.push({
        name: 'LeadsPerIp',
        priority: rules.length,
        action: blockWith429,
        statement: {
          rateBasedStatement: {
            aggregateKeyType: 'IP',
            limit: firewall.leadsPerIpPer5Min,
            evaluationWindowSec: 300,
            scopeDownStatement: {
              andStatement: {
                statements: [
                  { byteMatchStatement: { fieldToMatch: { method: {} }, positionalConstraint: 'EXACTLY', searchString: 'POST', textTransformations: [{ priority: 0, type: 'NONE' }] } },
                  { byteMatchStatement: { fieldToMatch: { uriPath: {} }, positionalConstraint: 'EXACTLY', searchString: '/leads', textTransformations: [{ priority: 0, type: 'NONE' }] } },
                ],
              },
            },
          },
        },
        visibilityConfig: metric('leads-per-ip'),
      });
    }
    rules.push({
      name: 'RequestsPerIp',
      priority: rules.length,
      action: blockWith429,
      statement: { rateBasedStatement: { aggregateKeyType: 'IP', limit: firewall.ratePerIpPer5Min, evaluationWindowSec: 300 } },
      visibilityConfig: metric('requests-per-ip'),
    });
    if (firewall.managedRules !== 'off') {
      rules.push({
        name: 'AwsCommonRules',
        priority: rules.length,
        // "count" only records what the rule set would block, so ops can check it against real leads first.
        overrideAction: firewall.managedRules === 'count' ? { count: {} } : { none: {} },
        statement: {
          managedRuleGroupStatement: {
            vendorName: 'AWS',
            name: 'AWSManagedRulesCommonRuleSet',
            // Its body cap is 8 KB; the API takes leads up to 32 KB and answers larger ones with a clear 413.
            ruleActionOverrides: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }],
          },
        },
        visibilityConfig: metric('common-rules'),
      });
    }

    const name = `speed-to-lead-${stage}`;
    this.metrics = { webAcl: name, rules: rules.map((rule) => ({ rule: rule.name, metricName: (rule.visibilityConfig as CfnWebACL.VisibilityConfigProperty).metricName })) };
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      // A fixed name keeps the ARN stable across updates: the stage reads it once per deploy.
      name,
      description: `speed-to-lead ${stage}: requests per client IP, in front of the lead API`,
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      customResponseBodies: {
        [TOO_MANY_REQUESTS_BODY]: { contentType: 'APPLICATION_JSON', content: JSON.stringify(tooManyRequests) },
      },
      visibilityConfig: metric('all'),
      rules,
    });

    const output = new CfnOutput(this, LeadFirewallStack.webAclArnOutput, {
      description: 'The web ACL the stage\'s CloudFront distribution uses',
      value: this.webAcl.attrArn,
    });
    output.overrideLogicalId(LeadFirewallStack.webAclArnOutput);
  }
}

export interface LeadEdgeProps {
  readonly stage: string;
  readonly firewall: Firewall;
  /** The HTTP API's own endpoint, `https://<id>.execute-api.<region>.amazonaws.com`. */
  readonly apiEndpoint: string;
  /** The domain forms and links use (`https://leads.example.com`), served with `firewall.certificateArn`. */
  readonly publicBaseUrl?: string;
}

/** Error codes CloudFront would otherwise keep for 10 s and replay (a 503 to retry, a 404 before a lead exists). */
const CACHED_ERROR_CODES = [400, 403, 404, 405, 414, 500, 501, 502, 503, 504];

/**
 * The CloudFront distribution in front of the API, with the web ACL of the stage's firewall
 * stack (created here, next to the stage's stack, which deploys after it). Nothing is cached:
 * every request reaches the API with its query string (the links' tokens) and every header
 * but Host (Origin for CORS, Content-Type, Idempotency-Key, X-Timestamp, X-Signature).
 */
export class LeadEdge extends Construct {
  /** The header CloudFront adds to every request it forwards, and the API's functions require. */
  static readonly originHeader = 'X-Origin-Verify';
  readonly distribution: Distribution;
  readonly firewallStack: LeadFirewallStack;
  /** Where forms and links reach the API through the firewall (no trailing slash). */
  readonly url: string;
  /**
   * The generated secret whose value is `originHeader`'s: CloudFormation resolves it (a dynamic
   * reference, never in the template) into the distribution's origin at deploy time; the form
   * intake reads it from Secrets Manager at cold start, so its environment holds only the ARN.
   * A lead posted without it came around the firewall, through the API's own execute-api URL.
   */
  readonly originSecret: ISecret;

  constructor(scope: Construct, id: string, { stage, firewall, apiEndpoint, publicBaseUrl }: LeadEdgeProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (!stack.node.scope) throw new Error('LeadEdge: its stack must belong to an app or stage');
    this.firewallStack = new LeadFirewallStack(stack.node.scope, `${stack.stackName}-firewall`, {
      stage,
      firewall,
      env: Token.isUnresolved(stack.account) ? undefined : { account: stack.account },
    });
    stack.addStackDependency(this.firewallStack, 'its CloudFront distribution uses the firewall\'s web ACL');
    // Read at deploy time across regions (Fn::GetStackOutput, no custom resource), so the stage's
    // stack can stay environment-agnostic: CDK's own cross-region references need a fixed region.
    const webAclArn = Fn.getStackOutput(this.firewallStack.stackName, LeadFirewallStack.webAclArnOutput, FIREWALL_REGION);

    const originSecret = new Secret(this, 'OriginSecret', {
      description: `speed-to-lead ${stage}: CloudFront sends it to the API as ${LeadEdge.originHeader}; leads posted without it went around the firewall`,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    acknowledgeNag(originSecret, 'SMG4',
      'CloudFormation resolves this value into CloudFront only when it updates the distribution, and CloudFront takes minutes to roll a change out while running intakes keep the value they read: a scheduled rotation would refuse leads in between. It guards nothing a lead could read; replacing it is a deliberate deploy (README).');
    this.originSecret = originSecret;

    const domain = firewall.certificateArn && publicBaseUrl ? new URL(publicBaseUrl).host : undefined;
    this.distribution = new Distribution(this, 'Distribution', {
      comment: `speed-to-lead ${stage}: the lead API behind AWS WAF`,
      defaultBehavior: {
        origin: new HttpOrigin(Fn.select(2, Fn.split('/', apiEndpoint)), {
          protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
          originSslProtocols: [OriginSslPolicy.TLS_V1_2],
          // CloudFront sets it on every forwarded request, replacing any a viewer sent.
          // A `{{resolve:secretsmanager:...}}` reference: the template never holds the value.
          customHeaders: { [LeadEdge.originHeader]: originSecret.secretValue.unsafeUnwrap() },
        }),
        allowedMethods: AllowedMethods.ALLOW_ALL,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      },
      webAclId: webAclArn,
      httpVersion: HttpVersion.HTTP2_AND_3,
      errorResponses: CACHED_ERROR_CODES.map((httpStatus) => ({ httpStatus, ttl: Duration.seconds(0) })),
      ...(domain && firewall.certificateArn
        ? {
            domainNames: [domain],
            certificate: Certificate.fromCertificateArn(this, 'Certificate', firewall.certificateArn),
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
    });
    this.url = domain ? `https://${domain}` : `https://${this.distribution.distributionDomainName}`;

    acknowledgeNag(this.distribution, 'CFR1',
      'Leads are welcome from every country (served countries are a scoring rule, not a block), so the distribution has no geo restriction.');
    acknowledgeNag(this.distribution, 'CFR3',
      'CloudFront access logs would keep viewer IPs and full query strings, which carry the signed link tokens; the API access log (no IPs, no tokens) and the web ACL metrics cover what ops need.');
    if (!domain) {
      acknowledgeNag(this.distribution, 'CFR4',
        'On its own *.cloudfront.net name the distribution can only use CloudFront\'s default certificate; setting publicBaseUrl and firewall.certificateArn serves TLS 1.2 or later only.');
    }

    new CfnOutput(this, 'Url', { description: 'Base URL of the lead API through CloudFront and AWS WAF: use it for the form script', value: this.url });
    if (domain) {
      new CfnOutput(this, 'DistributionDomain', { description: `Point ${domain} here (CNAME or Route 53 alias)`, value: this.distribution.distributionDomainName });
    }
  }
}

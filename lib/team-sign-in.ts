import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { AccountRecovery, CfnUserPoolGroup, FeaturePlan, Mfa, UserPool, type UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { acknowledgeNag } from './nag';

/** The Cognito groups the team app knows: what a signed-in person may see and change. */
export const teamGroups = {
  /** Sees and answers their own leads (and those escalated to them). */
  reps: 'reps',
  /** Sees every lead, the dashboard and the team page, and changes the team. */
  managers: 'managers',
} as const;

/** How long an ID token is good for: short, so a removed user's access ends soon; the app refreshes it. */
export const teamTokenValidity = { idToken: Duration.minutes(30), accessToken: Duration.minutes(30), refreshToken: Duration.hours(12) };

export interface TeamSignInProps {
  readonly stage: string;
}

/**
 * Sign-in for the team app: a user pool with no self sign-up (ops invite the team, or connect
 * the company's identity provider: see docs/team-app.md), the groups `reps` and `managers`,
 * and one public app client (the browser app has no secret to keep). A user is linked to a rep
 * by email. The HTTP API's JWT authorizer checks the pool's ID tokens on every app route.
 */
export class TeamSignIn extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  readonly authorizer: HttpUserPoolAuthorizer;

  constructor(scope: Construct, id: string, { stage }: TeamSignInProps) {
    super(scope, id);
    this.userPool = new UserPool(this, 'UserPool', {
      userPoolName: `speed-to-lead-${stage}-team`,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true }, fullname: { required: false, mutable: true } },
      passwordPolicy: { minLength: 12, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true, tempPasswordValidity: Duration.days(3) },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.ESSENTIALS,
      deletionProtection: true,
      // The team's accounts are not business records: a stack removed on purpose takes them along.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const [key, groupName] of Object.entries(teamGroups)) {
      new CfnUserPoolGroup(this, `${key[0]!.toUpperCase()}${key.slice(1)}Group`, {
        userPoolId: this.userPool.userPoolId,
        groupName,
        description: groupName === teamGroups.managers ? 'Sees every lead, the dashboard and the team page; changes the team' : 'Sees and answers their own leads',
      });
    }
    this.client = this.userPool.addClient('AppClient', {
      userPoolClientName: 'team-app',
      generateSecret: false,
      // The browser app signs in with the user's password over TLS (the same code runs against
      // the local emulator); refresh tokens keep a session without asking again.
      authFlows: { userPassword: true, userSrp: true },
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: teamTokenValidity.idToken,
      accessTokenValidity: teamTokenValidity.accessToken,
      refreshTokenValidity: teamTokenValidity.refreshToken,
    });
    this.authorizer = new HttpUserPoolAuthorizer('TeamAuthorizer', this.userPool, {
      userPoolClients: [this.client],
      identitySource: ['$request.header.Authorization'],
    });

    acknowledgeNag(this.userPool, 'COG2',
      'MFA is optional (TOTP) rather than required: a company that connects its identity provider enforces MFA there, and ops can require it for password users (docs/team-app.md).');
    acknowledgeNag(this.userPool, 'COG8',
      'Threat protection (the Plus feature plan) is a per-user cost that ops choose for their company; the pool has no self sign-up, so only invited users exist, and a company that signs in through its own identity provider gets that provider\'s protections.');

    new CfnOutput(this, 'UserPoolId', { description: 'Team app users: invite reps and managers here (docs/team-app.md)', value: this.userPool.userPoolId });
    new CfnOutput(this, 'AppClientId', { value: this.client.userPoolClientId });
    new CfnOutput(this, 'Region', { value: Stack.of(this).region });
  }
}

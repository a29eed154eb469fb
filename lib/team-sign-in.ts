import { CfnOutput, Duration, RemovalPolicy, SecretValue, Stack } from 'aws-cdk-lib';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  FeaturePlan,
  Mfa,
  OAuthScope,
  ProviderAttribute,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
  type UserPoolDomain,
  UserPoolIdentityProviderGoogle,
  UserPoolIdentityProviderSaml,
  UserPoolIdentityProviderSamlMetadata,
  type IUserPoolIdentityProvider,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import type { IdentityProviderConfig, TeamSignInConfig } from './config';
import { acknowledgeNag } from './nag';
import { appRedirectUrl, teamGroups, teamOAuthScopes, teamTokenLifetimes } from './team-sign-in-settings';

export { appRedirectUrl, teamGroups, teamOAuthScopes } from './team-sign-in-settings';

/** The tokens' lifetimes (team-sign-in-settings.ts) as the user pool client takes them. */
export const teamTokenValidity = {
  idToken: Duration.minutes(teamTokenLifetimes.idTokenMinutes),
  accessToken: Duration.minutes(teamTokenLifetimes.accessTokenMinutes),
  refreshToken: Duration.hours(teamTokenLifetimes.refreshTokenHours),
};

/** A "Sign in with ..." button of the app: Cognito's provider name and the words on the button. */
export interface HostedProvider {
  id: string;
  label: string;
}

export const hostedProviderOf = (provider: IdentityProviderConfig): HostedProvider =>
  provider.type === 'google' ? { id: 'Google', label: provider.label ?? 'Google' } : { id: provider.name, label: provider.label ?? provider.name };

export interface TeamSignInProps {
  readonly stage: string;
  /** The app's base URL (the API's, or the public one): the hosted sign-in returns to `<base>/app/`. */
  readonly appBaseUrl: string;
  /** The stage's `teamSignIn`: a hosted domain and the company's identity providers. */
  readonly hosted?: TeamSignInConfig;
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
  /** Cognito's hosted sign-in, when the stage connects an identity provider. */
  readonly domain?: UserPoolDomain;
  /** The buttons the app shows (empty without a hosted domain). */
  readonly hostedProviders: HostedProvider[];
  /** `<app base>/app/`: the only address the hosted sign-in returns to. */
  readonly redirectUrl: string;

  constructor(scope: Construct, id: string, { stage, appBaseUrl, hosted }: TeamSignInProps) {
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
    this.redirectUrl = appRedirectUrl(appBaseUrl);
    const providers = (hosted?.identityProviders ?? []).map((provider) => this.identityProvider(provider));
    this.hostedProviders = (hosted?.identityProviders ?? []).map(hostedProviderOf);
    if (hosted) this.domain = this.userPool.addDomain('Domain', { cognitoDomain: { domainPrefix: hosted.domainPrefix } });
    this.client = this.userPool.addClient('AppClient', {
      userPoolClientName: 'team-app',
      generateSecret: false,
      // The browser app signs in with the user's password over TLS (the same code runs against
      // the local emulator); refresh tokens keep a session without asking again.
      authFlows: { userPassword: true, userSrp: true },
      // Through the hosted domain: the authorization code grant only (the app adds PKCE), back to
      // the app's page and nowhere else. Without a domain, no OAuth at all (CDK would otherwise
      // allow the implicit grant to https://example.com).
      ...(hosted
        ? {
            oAuth: {
              flows: { authorizationCodeGrant: true },
              scopes: teamOAuthScopes.map((scope) => OAuthScope.custom(scope)),
              callbackUrls: [this.redirectUrl],
              logoutUrls: [this.redirectUrl],
            },
          }
        : { disableOAuth: true }),
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO, ...providers.map((provider) => UserPoolClientIdentityProvider.custom(provider.providerName))],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: teamTokenValidity.idToken,
      accessTokenValidity: teamTokenValidity.accessToken,
      refreshTokenValidity: teamTokenValidity.refreshToken,
    });
    // The client names the providers: they must exist first.
    for (const provider of providers) this.client.node.addDependency(provider);
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
    if (this.domain) {
      const base = this.domain.baseUrl();
      new CfnOutput(this, 'SignInDomainUrl', { description: 'Cognito hosted sign-in of the team app', value: base });
      new CfnOutput(this, 'IdentityProviderRedirectUrl', { description: "Google's authorized redirect URI for the team app's OAuth client (docs/team-app.md)", value: `${base}/oauth2/idpresponse` });
      new CfnOutput(this, 'SamlAssertionConsumerUrl', { description: 'SAML: the reply (ACS) URL to give the identity provider (docs/team-app.md)', value: `${base}/saml2/idpresponse` });
      new CfnOutput(this, 'SamlAudience', { description: 'SAML: the audience (SP entity ID) to give the identity provider', value: `urn:amazon:cognito:sp:${this.userPool.userPoolId}` });
    }
  }

  /** A company identity provider: its users' email and name land in the pool's attributes, by which a user is linked to a rep. */
  private identityProvider(provider: IdentityProviderConfig): IUserPoolIdentityProvider {
    if (provider.type === 'google') {
      return new UserPoolIdentityProviderGoogle(this, 'Google', {
        userPool: this.userPool,
        clientId: provider.clientId,
        // A dynamic reference: CloudFormation reads the secret at deploy; it is never in the template.
        clientSecretValue: SecretValue.secretsManager(provider.clientSecretName),
        scopes: [...teamOAuthScopes],
        attributeMapping: { email: ProviderAttribute.GOOGLE_EMAIL, emailVerified: ProviderAttribute.GOOGLE_EMAIL_VERIFIED, fullname: ProviderAttribute.GOOGLE_NAME },
      });
    }
    // Named by its provider name, so reordering the config's list replaces nothing.
    return new UserPoolIdentityProviderSaml(this, `Saml${provider.name}`, {
      userPool: this.userPool,
      name: provider.name,
      metadata: UserPoolIdentityProviderSamlMetadata.url(provider.metadataUrl),
      attributeMapping: { email: ProviderAttribute.other(provider.attributes.email), fullname: ProviderAttribute.other(provider.attributes.name) },
    });
  }
}

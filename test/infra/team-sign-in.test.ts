import { beforeAll, describe, expect, it } from 'vitest';
import { type DeployConfig, DeployConfigSchema, loadConfig, samlClaims } from '../../lib/config';
import { synthTemplate } from '../../lib/synth';
import { companyLogin } from './company-login';
import { flatten, handlersByLogicalId, onlyOfType, resourcesOfType, type Template } from './template';

/**
 * The team's sign-in through the company's identity provider, as CDK builds it from the stage
 * config's `teamSignIn`: Cognito's hosted domain, Google and SAML providers, and the app client
 * allowed the authorization code grant back to the app's page only. Without it: no OAuth at all.
 */
const dev = loadConfig('dev');

const sso: DeployConfig = DeployConfigSchema.parse({ ...dev, stage: 'sso', teamSignIn: companyLogin });

let ssoTemplate: Template;
let devTemplate: Template;
beforeAll(() => {
  ssoTemplate = synthTemplate(sso) as Template;
  devTemplate = synthTemplate(dev) as Template;
}, 60_000);

const appPageEnv = (t: Template): Record<string, unknown> => {
  const page = [...handlersByLogicalId(t)].find(([, name]) => name === 'app-page')![0];
  return t.Resources[page]!.Properties.Environment.Variables;
};

describe('with teamSignIn', () => {
  it('has a Cognito domain of the prefix, and the app page is told it, its redirect and the buttons', () => {
    const [domainId, domain] = onlyOfType(ssoTemplate, 'AWS::Cognito::UserPoolDomain');
    expect(domain.Properties.Domain).toBe('acme-sales-team');
    const env = appPageEnv(ssoTemplate);
    expect(flatten(env.SIGN_IN_DOMAIN_URL)).toBe(`https://<Ref:${domainId}>.auth.<Ref:AWS::Region>.amazoncognito.com`);
    expect(flatten(env.SIGN_IN_REDIRECT_URL)).toMatch(/^<ApiHttpApi[0-9A-F]+\.ApiEndpoint>\/app\/$/);
    expect(JSON.parse(env.SIGN_IN_PROVIDERS as string)).toEqual([{ id: 'Google', label: 'Google' }, { id: 'Okta', label: 'Okta (Acme)' }]);
  });

  it('lets the app client use the authorization code grant only, for openid email profile, back to <app>/app/, through COGNITO, Google and the SAML provider', () => {
    const [, client] = onlyOfType(ssoTemplate, 'AWS::Cognito::UserPoolClient');
    expect(client.Properties).toMatchObject({ AllowedOAuthFlows: ['code'], AllowedOAuthFlowsUserPoolClient: true, GenerateSecret: false });
    expect([...client.Properties.AllowedOAuthScopes].sort()).toEqual(['email', 'openid', 'profile']);
    const redirect = flatten(appPageEnv(ssoTemplate).SIGN_IN_REDIRECT_URL);
    expect(client.Properties.CallbackURLs.map(flatten)).toEqual([redirect]);
    expect(client.Properties.LogoutURLs.map(flatten)).toEqual([redirect]);
    expect(client.Properties.SupportedIdentityProviders.map(flatten)).toEqual(['COGNITO', expect.stringMatching(/^<Ref:TeamSignInGoogle/), expect.stringMatching(/^<Ref:TeamSignInSamlOkta/)]);
  });

  it('maps email and name from Google and SAML, reads the Google secret from Secrets Manager at deploy, and puts no secret in the template', () => {
    const providers = Object.fromEntries(resourcesOfType(ssoTemplate, 'AWS::Cognito::UserPoolIdentityProvider').map(([, p]) => [p.Properties.ProviderType, p.Properties]));
    expect(providers.Google).toMatchObject({
      ProviderName: 'Google',
      ProviderDetails: { client_id: companyLogin.identityProviders[0]!.clientId, client_secret: '{{resolve:secretsmanager:speed-to-lead/sso/google-client-secret:SecretString:::}}', authorize_scopes: 'openid email profile' },
      AttributeMapping: { email: 'email', email_verified: 'email_verified', name: 'name' },
    });
    expect(providers.SAML).toMatchObject({
      ProviderName: 'Okta',
      ProviderDetails: { MetadataURL: companyLogin.identityProviders[1]!.metadataUrl },
      AttributeMapping: { email: samlClaims.email, name: samlClaims.name },
    });
    // The client names the providers, so CloudFormation creates them first.
    const [clientId] = onlyOfType(ssoTemplate, 'AWS::Cognito::UserPoolClient');
    const dependsOn = (ssoTemplate.Resources[clientId] as { DependsOn?: string[] }).DependsOn ?? [];
    for (const [id] of resourcesOfType(ssoTemplate, 'AWS::Cognito::UserPoolIdentityProvider')) expect(dependsOn).toContain(id);
  });

  it("outputs what ops give the identity providers: Google's redirect URI, SAML's reply URL and audience", () => {
    const outputs = Object.fromEntries(Object.entries(ssoTemplate.Outputs ?? {}).map(([id, output]) => [id.replace(/^TeamSignIn|[0-9A-F]{8}$/g, ''), flatten(output.Value)]));
    expect(outputs.IdentityProviderRedirectUrl).toMatch(/^https:\/\/<Ref:TeamSignInUserPoolDomain\w+>\.auth\.<Ref:AWS::Region>\.amazoncognito\.com\/oauth2\/idpresponse$/);
    expect(outputs.SamlAssertionConsumerUrl).toMatch(/\.amazoncognito\.com\/saml2\/idpresponse$/);
    expect(outputs.SamlAudience).toMatch(/^urn:amazon:cognito:sp:<Ref:TeamSignInUserPool\w+>$/);
  });
});

describe('without teamSignIn (password sign-in only)', () => {
  it('has no domain, no identity provider, and an app client with no OAuth grant at all', () => {
    expect(resourcesOfType(devTemplate, 'AWS::Cognito::UserPoolDomain')).toEqual([]);
    expect(resourcesOfType(devTemplate, 'AWS::Cognito::UserPoolIdentityProvider')).toEqual([]);
    const [, client] = onlyOfType(devTemplate, 'AWS::Cognito::UserPoolClient');
    expect(client.Properties.AllowedOAuthFlows).toBeUndefined();
    expect(client.Properties.CallbackURLs).toBeUndefined();
    expect(client.Properties.AllowedOAuthFlowsUserPoolClient ?? false).toBe(false);
    expect(Object.keys(appPageEnv(devTemplate)).filter((name) => name.startsWith('SIGN_IN_'))).toEqual([]);
  });
});

describe('teamSignIn in the stage config', () => {
  const issuesOf = (teamSignIn: unknown, extra: Record<string, unknown> = {}) => {
    const parsed = DeployConfigSchema.safeParse({ ...dev, ...extra, teamSignIn });
    return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  };
  const google = companyLogin.identityProviders[0]!;

  it('takes the company login as ops write it, SAML attributes defaulting to the common claims', () => {
    expect(sso.teamSignIn?.identityProviders[1]).toMatchObject({ type: 'saml', attributes: samlClaims });
    expect(issuesOf({ domainPrefix: 'acme-sales-team' })).toEqual([]);
  });

  it('names the field and the fix for each mistake', () => {
    expect(issuesOf({ domainPrefix: 'Acme Sales' })).toEqual([expect.stringMatching(/^teamSignIn\.domainPrefix: must be 1 to 63 lowercase letters/)]);
    expect(issuesOf({ domainPrefix: 'acme-cognito' })).toEqual([expect.stringMatching(/^teamSignIn\.domainPrefix: must not contain "aws", "amazon" or "cognito"/)]);
    expect(issuesOf({ identityProviders: [google] })).toEqual([expect.stringMatching(/^teamSignIn\.domainPrefix: /)]);
    expect(issuesOf({ domainPrefix: 'acme', identityProviders: [{ ...google, clientSecretName: 'GOCSPX-abcdefghijklmnop' }] })).toEqual([
      expect.stringMatching(/^teamSignIn\.identityProviders\.0\.clientSecretName: looks like the client secret itself: store it in Secrets Manager/),
    ]);
    expect(issuesOf({ domainPrefix: 'acme', identityProviders: [{ ...google, clientId: 'abc' }] })).toEqual([expect.stringMatching(/^teamSignIn\.identityProviders\.0\.clientId: must be the OAuth client id from Google Cloud/)]);
    expect(issuesOf({ domainPrefix: 'acme', identityProviders: [{ ...google, clientSecret: 'x' }] })).toEqual([expect.stringMatching(/^teamSignIn\.identityProviders\.0: Unrecognized key: "clientSecret"/)]);
    expect(issuesOf({ domainPrefix: 'acme', identityProviders: [{ clientId: google.clientId }] })).toEqual([expect.stringMatching(/^teamSignIn\.identityProviders\.0(\.type)?: must have "type": "google" \(with clientId and clientSecretName\) or "saml"/)]);
    expect(issuesOf({ domainPrefix: 'acme', identityProviders: [{ type: 'saml', name: 'Okta', metadataUrl: 'http://acme.okta.example/metadata' }] })).toEqual([
      expect.stringMatching(/^teamSignIn\.identityProviders\.0\.metadataUrl: must be the https URL of the provider's SAML metadata/),
    ]);
    expect(issuesOf({ domainPrefix: 'acme', identityProviders: [{ type: 'saml', name: 'Google', metadataUrl: 'https://a.example/m' }] })).toEqual([expect.stringMatching(/^teamSignIn\.identityProviders\.0\.name: must not be one of Cognito's own names/)]);
    expect(issuesOf({ domainPrefix: 'acme', identityProviders: [{ type: 'saml', name: 'My_IdP', metadataUrl: 'https://a.example/m' }] })).toEqual([expect.stringMatching(/^teamSignIn\.identityProviders\.0\.name: must be 2 to 32 letters/)]);
    expect(issuesOf({ domainPrefix: 'acme', identityProviders: [google, google] })).toEqual([expect.stringMatching(/^teamSignIn\.identityProviders\.1: names provider "Google" a second time/)]);
    expect(issuesOf({ domainPrefix: 'acme' }, { publicBaseUrl: 'http://leads.example.com' })).toEqual([expect.stringMatching(/^publicBaseUrl: must be https:\/\/ with teamSignIn/)]);
  });
});

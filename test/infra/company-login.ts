/**
 * A stage's `teamSignIn` as ops would write it to connect Google Workspace and a SAML provider
 * (docs/team-app.md): the infra tests synthesize, lint and cdk-nag the stack with it set.
 */
export const companyLogin = {
  domainPrefix: 'acme-sales-team',
  identityProviders: [
    { type: 'google', clientId: '1234567890-abc.apps.googleusercontent.com', clientSecretName: 'speed-to-lead/sso/google-client-secret' },
    { type: 'saml', name: 'Okta', metadataUrl: 'https://acme.okta.example/app/exk1/sso/saml/metadata', label: 'Okta (Acme)' },
  ],
};

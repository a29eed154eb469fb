/**
 * What the team's sign-in is, as plain values: lib/team-sign-in.ts builds the user pool from
 * them and the local user pool (local/cognito.ts) is set up with the same, without loading CDK.
 */

/** The Cognito groups the team app knows: what a signed-in person may see and change. */
export const teamGroups = {
  /** Sees and answers their own leads (and those escalated to them). */
  reps: 'reps',
  /** Sees every lead, the dashboard and the team page, and changes the team. */
  managers: 'managers',
} as const;

/** How long an ID token is good for: short, so a removed user's access ends soon; the app refreshes it. */
export const teamTokenLifetimes = { idTokenMinutes: 30, accessTokenMinutes: 30, refreshTokenHours: 12 } as const;

/** What the app asks Cognito's hosted sign-in for: who the user is, nothing more. */
export const teamOAuthScopes = ['openid', 'email', 'profile'] as const;

/** Where Cognito sends a signed-in user back to (and where sign-out lands): the app's page. */
export const appRedirectUrl = (appBaseUrl: string): string => `${appBaseUrl.replace(/\/+$/, '')}/app/`;

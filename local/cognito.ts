import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
  UpdateUserPoolClientCommand,
  UsernameExistsException,
} from '@aws-sdk/client-cognito-identity-provider';
import { JwtRsaVerifier } from 'aws-jwt-verify';
import type { Jwks } from 'aws-jwt-verify/jwk';
import { teamGroups, teamOAuthScopes, teamTokenLifetimes } from '../lib/team-sign-in-settings';

/**
 * The team's user pool on loopback: cognito-local runs Cognito's API (users, groups,
 * InitiateAuth) and signs tokens with its own keys; the local API checks them the way API
 * Gateway's JWT authorizer checks the real pool's (issuer, audience, expiry, signature).
 */
export interface LocalTeamPool {
  /** Cognito's endpoint (AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER). */
  url: string;
  userPoolId: string;
  clientId: string;
  /** The tokens' `iss`: the emulator's URL and the pool id. */
  issuer: string;
  /** The JWT authorizer: the claims of a valid ID token (alone or after `Bearer `), as strings, or undefined. */
  verifyTeamToken(authorization: string | undefined): Promise<Record<string, string> | undefined>;
  /**
   * The emulator's hosted sign-in (/oauth2/authorize, its login form, /oauth2/token, /logout)
   * returns to this address only, as Cognito does to the app client's callback URL.
   */
  allowRedirect(url: string): Promise<void>;
  /** Creates (or resets) a user with a permanent password in the given groups. */
  addUser(user: { email: string; name: string; password: string; groups: ReadonlyArray<keyof typeof teamGroups> }): Promise<void>;
  close(): Promise<void>;
}

const CHILD_ENTRY = fileURLToPath(new URL('./cognito-process.ts', import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const POOL_NAME = 'speed-to-lead-local-team';
const CLIENT_NAME = 'team-app';

/** A free loopback port: cognito-local writes its port into the tokens' issuer, so it cannot listen on 0. */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

function startProcess(port: number, cwd: string): Promise<ChildProcess> {
  const child = fork(CHILD_ENTRY, [], {
    cwd,
    execArgv: ['--import', TSX_LOADER],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1' },
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`cognito-local exited (${code}) before it was ready`)));
    child.once('message', (message: { ready?: number; failed?: { message: string; code?: string } }) => {
      if (message.ready) return resolve(child);
      const error = Object.assign(new Error(`cognito-local could not start: ${message.failed?.message}`), { code: message.failed?.code, port });
      child.kill();
      reject(error);
    });
  });
}

/** API Gateway hands the function every claim as a string; an array as `[a b]`. */
const asAuthorizerClaims = (payload: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.entries(payload).map(([name, value]) => [name, Array.isArray(value) ? `[${value.join(' ')}]` : typeof value === 'object' ? JSON.stringify(value) : String(value)]));

/** The team's pool, its groups and its app client, made once and found again on a restart. */
async function ensurePool(client: CognitoIdentityProviderClient): Promise<{ userPoolId: string; clientId: string }> {
  const pools = await client.send(new ListUserPoolsCommand({ MaxResults: 60 }));
  let userPoolId = pools.UserPools?.find((pool) => pool.Name === POOL_NAME)?.Id;
  if (!userPoolId) {
    const created = await client.send(new CreateUserPoolCommand({ PoolName: POOL_NAME, UsernameAttributes: ['email'], AutoVerifiedAttributes: ['email'] }));
    userPoolId = created.UserPool!.Id!;
    for (const groupName of Object.values(teamGroups)) await client.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: groupName }));
  }
  const clients = await client.send(new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60 }));
  let clientId = clients.UserPoolClients?.find((c) => c.ClientName === CLIENT_NAME)?.ClientId;
  if (!clientId) {
    const created = await client.send(
      new CreateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientName: CLIENT_NAME,
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        IdTokenValidity: teamTokenLifetimes.idTokenMinutes,
        AccessTokenValidity: teamTokenLifetimes.accessTokenMinutes,
        RefreshTokenValidity: teamTokenLifetimes.refreshTokenHours,
        TokenValidityUnits: { IdToken: 'minutes', AccessToken: 'minutes', RefreshToken: 'hours' },
      }),
    );
    clientId = created.UserPoolClient!.ClientId!;
  }
  return { userPoolId, clientId };
}

/** Starts cognito-local (keeping its users in `dataDir` when given) and makes the team's pool. */
export async function startTeamPool(options: { port?: number; dataDir?: string } = {}): Promise<LocalTeamPool> {
  const port = options.port ?? (await freePort());
  const cwd = options.dataDir ?? mkdtempSync(join(tmpdir(), 'speed-to-lead-cognito-'));
  mkdirSync(cwd, { recursive: true });
  const child = await startProcess(port, cwd);
  const url = `http://127.0.0.1:${port}`;
  const client = new CognitoIdentityProviderClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const close = async () => {
    client.destroy();
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      await exited;
    }
    if (!options.dataDir) rmSync(cwd, { recursive: true, force: true });
  };
  try {
    const { userPoolId, clientId } = await ensurePool(client);
    const issuer = `${url}/${userPoolId}`;
    const jwksUri = `${issuer}/.well-known/jwks.json`;
    // aws-jwt-verify fetches keys over https only: the emulator's are read here and cached.
    const verifier = JwtRsaVerifier.create({
      issuer,
      audience: null,
      jwksUri,
      // As API Gateway's JWT authorizer: the audience is an ID token's `aud` or an access token's `client_id`.
      customJwtCheck: ({ payload }) => {
        if (payload.aud !== clientId && payload.client_id !== clientId) throw new Error('Token is not for the team app');
      },
    });
    verifier.cacheJwks((await (await fetch(jwksUri)).json()) as Jwks);
    return {
      url,
      userPoolId,
      clientId,
      issuer,
      verifyTeamToken: async (authorization) => {
        // API Gateway takes the token alone or after `Bearer `.
        const token = /^(?:Bearer\s+)?([\w-]+\.[\w-]+\.[\w-]+)$/i.exec(authorization?.trim() ?? '')?.[1];
        if (!token) return undefined;
        try {
          return asAuthorizerClaims((await verifier.verify(token)) as Record<string, unknown>);
        } catch {
          return undefined;
        }
      },
      addUser: async ({ email, name, password, groups }) => {
        try {
          await client.send(new AdminCreateUserCommand({ UserPoolId: userPoolId, Username: email, MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }, { Name: 'name', Value: name }] }));
        } catch (error) {
          if (!(error instanceof UsernameExistsException) && (error as Error).name !== 'UsernameExistsException') throw error;
        }
        await client.send(new AdminSetUserPasswordCommand({ UserPoolId: userPoolId, Username: email, Password: password, Permanent: true }));
        for (const group of groups) await client.send(new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: email, GroupName: teamGroups[group] }));
      },
      allowRedirect: async (redirectUrl) => {
        // As CDK configures the app client with a hosted domain: the code grant only, back to the app.
        await client.send(
          new UpdateUserPoolClientCommand({
            UserPoolId: userPoolId,
            ClientId: clientId,
            AllowedOAuthFlows: ['code'],
            AllowedOAuthFlowsUserPoolClient: true,
            AllowedOAuthScopes: [...teamOAuthScopes],
            CallbackURLs: [redirectUrl],
            LogoutURLs: [redirectUrl],
            SupportedIdentityProviders: ['COGNITO'],
          }),
        );
        // The emulator's /logout stand-in (local/cognito-process.ts) learns them from here.
        child.send({ logoutUrls: { [clientId]: [redirectUrl] } });
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

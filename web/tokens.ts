/** The signed-in session as the app keeps it, and when its ID token must be refreshed. Pure: no DOM. */

export interface Session {
  idToken: string;
  refreshToken: string;
  /** Epoch ms when the ID token expires. */
  expiresAt: number;
  email: string;
}

/** Refresh this long before the ID token expires, so no API call carries a token about to lapse. */
export const REFRESH_MARGIN_MS = 60_000;

/**
 * When the ID token expires: its own `exp` claim, which is what the API checks; Cognito's
 * ExpiresIn (seconds from now) only when the token has none (cognito-local sends no ExpiresIn).
 */
export function expiresAtOf(idToken: string, expiresInSeconds: number | undefined, nowMs: number): number {
  const exp = jwtClaims(idToken)?.exp;
  if (typeof exp === 'number' && Number.isFinite(exp)) return exp * 1000;
  return nowMs + (expiresInSeconds ?? 0) * 1000;
}

/** Ms to wait before refreshing: zero once inside the margin. */
export const refreshDelayMs = (session: Pick<Session, 'expiresAt'>, nowMs: number): number => Math.max(0, session.expiresAt - REFRESH_MARGIN_MS - nowMs);

export const needsRefresh = (session: Pick<Session, 'expiresAt'>, nowMs: number): boolean => refreshDelayMs(session, nowMs) === 0;

/** A JWT's claims, read without verifying (the API verifies; the app only reads its own token). */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '=');
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A stored session, if it has the shape this app wrote. */
export function parseSession(text: string | null): Session | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<Session>;
    if (typeof value.idToken === 'string' && typeof value.refreshToken === 'string' && typeof value.expiresAt === 'number') {
      return { idToken: value.idToken, refreshToken: value.refreshToken, expiresAt: value.expiresAt, email: typeof value.email === 'string' ? value.email : '' };
    }
  } catch {
    // Not ours: sign in again.
  }
  return undefined;
}

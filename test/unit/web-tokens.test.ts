import { describe, expect, it } from 'vitest';
import { expiresAtOf, needsRefresh, REFRESH_MARGIN_MS } from '../../web/tokens';

const jwtWith = (claims: Record<string, unknown>) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

describe("the session's expiry", () => {
  it("is the ID token's own exp (what the API checks), even when Cognito's ExpiresIn says otherwise", () => {
    expect(expiresAtOf(jwtWith({ exp: 1_800_000_000 }), 3600, 1_700_000_000_000)).toBe(1_800_000_000_000);
  });

  it('falls back to ExpiresIn from now for a token without exp, and to now when neither is given (refresh at once)', () => {
    expect(expiresAtOf('not-a-jwt', 3600, 1_000)).toBe(3_601_000);
    const now = 5_000_000;
    const expiresAt = expiresAtOf(jwtWith({}), undefined, now);
    expect(expiresAt).toBe(now);
    expect(needsRefresh({ expiresAt }, now)).toBe(true);
    expect(needsRefresh({ expiresAt: now + REFRESH_MARGIN_MS + 1 }, now)).toBe(false);
  });
});

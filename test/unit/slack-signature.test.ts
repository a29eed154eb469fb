import { describe, expect, it } from 'vitest';
import { SignatureInvalid } from '@domain/errors';
import { signSlackRequest, SLACK_TOLERANCE_SECONDS, slackSignatureId, verifySlackRequest, verifySlackSignature } from '@domain/slack-signature';

/** Slack's own worked example, from "Verifying requests from Slack". */
const slack = {
  signingSecret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: '1531420618',
  body: 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};
const sentAt = Number(slack.timestamp);
const at = (seconds: number) => new Date(seconds * 1000);

const request = (overrides: Partial<{ signature: string | undefined; timestamp: string | undefined; rawBody: string }> = {}) => {
  const { rawBody = slack.body, ...headers } = overrides;
  return { signature: slack.signature, timestamp: slack.timestamp, ...headers, rawBody: Buffer.from(rawBody) };
};

function verdict(req: ReturnType<typeof request>, now = at(sentAt), secrets: { current: string; previous?: string } = { current: slack.signingSecret }): string {
  try {
    verifySlackRequest(req, secrets, now);
    return 'accepted';
  } catch (error) {
    if (error instanceof SignatureInvalid) return `${error.scheme}:${error.reason}`;
    throw error;
  }
}

describe("Slack's request signature", () => {
  it("computes and accepts Slack's published example exactly", () => {
    expect(signSlackRequest(slack.body, slack.timestamp, slack.signingSecret)).toBe(slack.signature);
    expect(verdict(request())).toBe('accepted');
    expect(verdict(request({ signature: slack.signature.toUpperCase().replace('V0=', 'v0=') }))).toBe('accepted');
  });

  it('refuses another secret, a changed body, or the signature re-dated', () => {
    expect(verdict(request(), at(sentAt), { current: 'another-signing-secret-0123' })).toBe('slack:mismatch');
    expect(verdict(request({ rawBody: slack.body.replace('roadrunner', 'coyote') }))).toBe('slack:mismatch');
    expect(verdict(request({ timestamp: String(sentAt + 1) }), at(sentAt + 1))).toBe('slack:mismatch');
    // The CRM scheme's signature of the same bytes is not Slack's.
    expect(verdict(request({ signature: slack.signature.replace('v0=', 'sha256=') }))).toBe('slack:malformed-signature');
  });

  it('accepts the secret before a rotation too', () => {
    expect(verdict(request(), at(sentAt), { current: 'the-new-signing-secret-0123', previous: slack.signingSecret })).toBe('accepted');
  });

  it(`refuses a request more than ${SLACK_TOLERANCE_SECONDS / 60} minutes from our clock, either way`, () => {
    expect(verdict(request(), at(sentAt + SLACK_TOLERANCE_SECONDS))).toBe('accepted');
    expect(verdict(request(), at(sentAt - SLACK_TOLERANCE_SECONDS))).toBe('accepted');
    expect(verdict(request(), at(sentAt + SLACK_TOLERANCE_SECONDS + 1))).toBe('slack:stale');
    expect(verdict(request(), at(sentAt - SLACK_TOLERANCE_SECONDS - 1))).toBe('slack:stale');
  });

  it('says what is missing or malformed', () => {
    expect(verdict(request({ signature: undefined }))).toBe('slack:missing-signature');
    expect(verdict(request({ timestamp: undefined }))).toBe('slack:missing-timestamp');
    for (const signature of ['a2114d57', 'v1=' + 'a'.repeat(64), 'v0=' + 'g'.repeat(64), 'v0=' + 'a'.repeat(63)]) expect(verdict(request({ signature })), signature).toBe('slack:malformed-signature');
    for (const timestamp of ['soon', '-1', '1.5', '1'.repeat(14)]) expect(verdict(request({ timestamp })), timestamp).toBe('slack:malformed-timestamp');
  });

  it('reads the secret again once when neither value matches (a rotation this function has not read yet)', async () => {
    const reads: boolean[] = [];
    const secrets = {
      slackSigningSecrets: async (read?: { fresh?: boolean }) => {
        reads.push(read?.fresh ?? false);
        return { current: read?.fresh ? slack.signingSecret : 'the-value-before-it-was-put-0' };
      },
    };
    await verifySlackSignature(secrets, request(), at(sentAt));
    expect(reads).toEqual([false, true]);
  });

  it('names a request for the replay guard by its MAC, whatever its case', () => {
    expect(slackSignatureId(request())).toBe(`slack-${slack.signature.slice(3)}`);
    expect(slackSignatureId(request({ signature: slack.signature.toUpperCase() }))).toBe(`slack-${slack.signature.slice(3)}`);
  });
});

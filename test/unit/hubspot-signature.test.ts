import { describe, expect, it } from 'vitest';
import { SignatureInvalid } from '@domain/errors';
import { hubspotSignedUri, signHubspotRequest, verifyHubspotRequest } from '@domain/hubspot-signature';

// HubSpot's own SDK test vector for signature v3.
const VECTOR = {
  secret: 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy',
  method: 'POST',
  uri: 'https://www.example.com/webhook_uri',
  body: "{'example_field':'example_value'}",
  timestamp: '15000000',
  signature: 'HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw=',
};
const signedAt = new Date(Number(VECTOR.timestamp));
const request = (changes: Partial<{ signature: string | undefined; timestamp: string | undefined; method: string; uri: string; body: string }> = {}) => ({
  signature: 'signature' in changes ? changes.signature : VECTOR.signature,
  timestamp: 'timestamp' in changes ? changes.timestamp : VECTOR.timestamp,
  method: changes.method ?? VECTOR.method,
  uri: changes.uri ?? VECTOR.uri,
  rawBody: Buffer.from(changes.body ?? VECTOR.body),
});
const reasonOf = (run: () => void) => {
  try {
    run();
    return 'accepted';
  } catch (error) {
    expect(error).toBeInstanceOf(SignatureInvalid);
    return (error as SignatureInvalid).reason;
  }
};

describe("HubSpot's request signature v3", () => {
  it("matches HubSpot's published example", () => {
    expect(signHubspotRequest({ method: VECTOR.method, uri: VECTOR.uri, rawBody: Buffer.from(VECTOR.body) }, VECTOR.timestamp, VECTOR.secret)).toBe(VECTOR.signature);
    expect(reasonOf(() => verifyHubspotRequest(request(), { current: VECTOR.secret }, signedAt))).toBe('accepted');
  });

  it('refuses a forged, altered, re-dated, stale or missing signature, saying which', () => {
    const secrets = { current: VECTOR.secret };
    expect(reasonOf(() => verifyHubspotRequest(request(), { current: 'another-secret' }, signedAt))).toBe('mismatch');
    expect(reasonOf(() => verifyHubspotRequest(request({ body: "{'example_field':'changed'}" }), secrets, signedAt))).toBe('mismatch');
    expect(reasonOf(() => verifyHubspotRequest(request({ uri: 'https://attacker.example/webhook_uri' }), secrets, signedAt))).toBe('mismatch');
    expect(reasonOf(() => verifyHubspotRequest(request({ method: 'PUT' }), secrets, signedAt))).toBe('mismatch');
    expect(reasonOf(() => verifyHubspotRequest(request({ timestamp: '15000001' }), secrets, signedAt))).toBe('mismatch');
    expect(reasonOf(() => verifyHubspotRequest(request(), secrets, new Date(signedAt.getTime() + 5 * 60_000 + 1)))).toBe('stale');
    expect(reasonOf(() => verifyHubspotRequest(request(), secrets, new Date(signedAt.getTime() - 5 * 60_000 - 1)))).toBe('stale');
    expect(reasonOf(() => verifyHubspotRequest(request({ signature: undefined }), secrets, signedAt))).toBe('missing-signature');
    expect(reasonOf(() => verifyHubspotRequest(request({ timestamp: undefined }), secrets, signedAt))).toBe('missing-timestamp');
    expect(reasonOf(() => verifyHubspotRequest(request({ signature: 'sha256=abc' }), secrets, signedAt))).toBe('malformed-signature');
    expect(reasonOf(() => verifyHubspotRequest(request({ timestamp: '2026-12-01' }), secrets, signedAt))).toBe('malformed-timestamp');
  });

  it('accepts the client secret from before a rotation', () => {
    expect(reasonOf(() => verifyHubspotRequest(request(), { current: 'the-new-secret', previous: VECTOR.secret }, signedAt))).toBe('accepted');
  });

  it('signs the URI with the characters HubSpot decodes decoded, and only those', () => {
    expect(hubspotSignedUri('https://x.example/crm/hubspot?a=%3A%2f%3F%40%21%24%27%28%29%2A%2C%3B&b=%20%26')).toBe("https://x.example/crm/hubspot?a=:/?@!$'()*,;&b=%20%26");
    const encoded = request({ uri: 'https://www.example.com/webhook_uri?portal%3A1' });
    const signature = signHubspotRequest({ ...encoded, uri: 'https://www.example.com/webhook_uri?portal:1' }, VECTOR.timestamp, VECTOR.secret);
    expect(reasonOf(() => verifyHubspotRequest({ ...encoded, signature }, { current: VECTOR.secret }, signedAt))).toBe('accepted');
  });
});

import { describe, expect, it } from 'vitest';
import { SignatureInvalid, ValidationError } from '@domain/errors';
import { pipedriveUpdateOf, PipedriveMappingSchema, verifyPipedriveCredentials } from '@domain/pipedrive-crm';
import type { SecretVersions } from '@domain/ports';

const mapping = PipedriveMappingSchema.parse({ leadIdField: 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2' });
const credentials: SecretVersions = { current: JSON.stringify({ user: 'speed-to-lead', password: 'correct horse' }) };
const basic = (pair: string) => `Basic ${Buffer.from(pair).toString('base64')}`;
const reasonOf = (authorization: string | undefined, secrets = credentials) => {
  try {
    verifyPipedriveCredentials(authorization, secrets);
    return 'accepted';
  } catch (error) {
    expect(error).toBeInstanceOf(SignatureInvalid);
    return (error as SignatureInvalid).reason;
  }
};

/** A webhooks v2 deal event, as Pipedrive's guide shows one. */
const dealEvent = (data: Record<string, unknown>, meta: Record<string, unknown> = {}) => ({
  meta: { action: 'change', entity: 'deal', version: '2.0', id: 'c8f2d3a4-0000-4000-8000-000000000001', entity_id: '7', timestamp: 1764583200, attempt: 1, ...meta },
  data: { id: 7, title: 'Acme deal', value: 12000, currency: 'EUR', status: 'open', update_time: '2026-12-01T10:00:00Z', custom_fields: { [mapping.leadIdField]: { type: 'varchar', value: 'lead-42' } }, ...data },
  previous: null,
});

describe("Pipedrive's webhook HTTP Basic auth", () => {
  it('accepts the user and password, and the pair from before a rotation', () => {
    expect(reasonOf(basic('speed-to-lead:correct horse'))).toBe('accepted');
    expect(reasonOf(basic('speed-to-lead:correct horse'), { current: JSON.stringify({ user: 'speed-to-lead', password: 'new one' }), previous: credentials.current })).toBe('accepted');
  });

  it('refuses a wrong, missing or malformed one, and nothing matches a secret that is not the JSON pair', () => {
    expect(reasonOf(basic('speed-to-lead:wrong'))).toBe('mismatch');
    expect(reasonOf(basic('someone:correct horse'))).toBe('mismatch');
    expect(reasonOf(undefined)).toBe('missing-signature');
    expect(reasonOf('Bearer abc')).toBe('malformed-signature');
    expect(reasonOf(basic('correct horse'), { current: 'correct horse' })).toBe('mismatch');
  });
});

describe("what a Pipedrive deal event says", () => {
  it("reads an open, won or lost deal of one of our leads as its pipeline stage, at the deal's update time", () => {
    expect(pipedriveUpdateOf(dealEvent({}), mapping)).toEqual({
      leadId: 'lead-42',
      deliveryId: 'pipedrive:c8f2d3a4-0000-4000-8000-000000000001',
      at: '2026-12-01T10:00:00.000Z',
      pipeline: { stage: 'opportunity', amount: 12000, currency: 'EUR' },
    });
    expect(pipedriveUpdateOf(dealEvent({ status: 'won' }), mapping)).toMatchObject({ pipeline: { stage: 'won', amount: 12000 } });
    expect(pipedriveUpdateOf(dealEvent({ status: 'lost', lost_reason: 'Price', value: null }), mapping)).toMatchObject({ pipeline: { stage: 'lost', lostReason: 'Price' } });
    // Without an update time, the event's own (Unix seconds).
    expect(pipedriveUpdateOf(dealEvent({ update_time: null }), mapping)).toMatchObject({ at: '2025-12-01T10:00:00.000Z' });
  });

  it("acknowledges what is not a deal of ours, saying why, instead of failing Pipedrive's delivery", () => {
    expect(pipedriveUpdateOf(dealEvent({ custom_fields: {} }), mapping)).toEqual({ ignored: expect.stringContaining('not one of our leads') });
    expect(pipedriveUpdateOf(dealEvent({}, { entity: 'person' }), mapping)).toEqual({ ignored: expect.stringContaining('only deals') });
    expect(pipedriveUpdateOf(dealEvent({}, { action: 'delete' }), mapping)).toHaveProperty('ignored');
    expect(pipedriveUpdateOf(dealEvent({ status: 'deleted' }), mapping)).toHaveProperty('ignored');
  });

  it('refuses a body that is not a webhooks v2 event, naming the field', () => {
    const issuesOf = (body: unknown) => {
      try {
        pipedriveUpdateOf(body, mapping);
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).issues.map((i) => i.path);
      }
      throw new Error('accepted');
    };
    expect(issuesOf({ data: {} })).toEqual(['meta']);
    expect(issuesOf({ meta: { action: 'change', entity: 'deal' }, data: {} })).toEqual(['meta.id']);
    expect(issuesOf(dealEvent({ value: 'lots' }))).toEqual(['data.value']);
  });
});

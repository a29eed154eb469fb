import { describe, expect, it } from 'vitest';
import { ValidationError } from '@domain/errors';
import { defaultHubspotMapping, hubspotUpdateOf, HubspotMappingSchema } from '@domain/hubspot-crm';

const mapping = defaultHubspotMapping();
const issuesOf = (body: unknown) => {
  try {
    hubspotUpdateOf(body, mapping);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues;
  }
  throw new Error('accepted');
};

describe("what a HubSpot workflow's webhook says", () => {
  it("reads a deal's stage with its amount and currency, and why it was lost", () => {
    expect(hubspotUpdateOf({ speed_to_lead_id: 'lead-1', dealstage: 'contractsent', amount: '12000', deal_currency_code: 'eur' }, mapping)).toEqual({ leadId: 'lead-1', pipeline: { stage: 'opportunity', amount: 12000, currency: 'EUR' } });
    expect(hubspotUpdateOf({ speed_to_lead_id: 'lead-1', dealstage: 'closedwon', amount: 9000 }, mapping).pipeline).toEqual({ stage: 'won', amount: 9000, currency: 'USD' });
    expect(hubspotUpdateOf({ speed_to_lead_id: 'lead-1', dealstage: 'closedlost', closed_lost_reason: 'Went with a competitor' }, mapping).pipeline).toEqual({ stage: 'lost', lostReason: 'Went with a competitor' });
  });

  it("reads a contact's lead status as the rep's answer, and its lifecycle stage as pipeline, in either of HubSpot's property shapes", () => {
    expect(hubspotUpdateOf({ email: 'Dana@Example.com', hs_lead_status: 'CONNECTED' }, mapping)).toEqual({ email: 'dana@example.com', response: { outcome: 'contacted' } });
    expect(hubspotUpdateOf({ properties: { email: { value: 'dana@example.com' }, hs_lead_status: { value: 'BAD_TIMING' } } }, mapping).response).toEqual({ outcome: 'rejected', reason: 'no-timeline' });
    expect(hubspotUpdateOf({ properties: { email: 'dana@example.com', lifecyclestage: 'customer' } }, mapping).pipeline).toEqual({ stage: 'won' });
    expect(hubspotUpdateOf({ email: 'dana@example.com', hs_lead_status: 'OPEN_DEAL' }, mapping)).toEqual({ email: 'dana@example.com', pipeline: { stage: 'opportunity' } });
  });

  it("follows the portal's own names when the mapping gives them", () => {
    const renamed = HubspotMappingSchema.parse({ leadIdProperty: 'stl_id', dealStages: { won: ['signed'], lost: ['dead'] }, leadStatuses: { CALLED: { outcome: 'contacted' } } });
    expect(hubspotUpdateOf({ stl_id: 'lead-9', dealstage: 'signed' }, renamed)).toEqual({ leadId: 'lead-9', pipeline: { stage: 'won' } });
    expect(hubspotUpdateOf({ stl_id: 'lead-9', hs_lead_status: 'CALLED' }, renamed).response).toEqual({ outcome: 'contacted' });
  });

  it('refuses a body that names no lead, says nothing it maps, or has a bad amount, naming the field', () => {
    expect(issuesOf([{ objectId: 1 }])).toEqual([{ path: '(body)', message: expect.stringContaining('must be a JSON object') }]);
    expect(issuesOf({ dealstage: 'closedwon' })).toEqual([{ path: 'speed_to_lead_id', message: expect.stringContaining('is required (or email)') }]);
    expect(issuesOf({ email: 'dana@example.com', firstname: 'Dana' })).toEqual([{ path: '(body)', message: expect.stringContaining('dealstage, lifecyclestage or hs_lead_status') }]);
    expect(issuesOf({ email: 'dana@example.com', lifecyclestage: 'lead' })).toHaveLength(1);
    expect(issuesOf({ email: 'dana@example.com', dealstage: 'closedwon', amount: 'lots' })).toEqual([{ path: 'amount', message: 'must be a number of at least 0, e.g. 12000' }]);
  });
});

describe('the mapping in the deploy config', () => {
  it('is refused at synth when it cannot be read, naming the field', async () => {
    const { DeployConfigSchema, loadConfig } = await import('../../lib/config');
    const parsed = DeployConfigSchema.safeParse({ ...loadConfig('dev'), crm: { hubspot: { defaultCurrency: 'euro', leadStatuses: { CONNECTED: { outcome: 'called' } } } } });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['crm.hubspot.defaultCurrency', 'crm.hubspot.leadStatuses.CONNECTED.outcome']);
  });
});

import { describe, expect, it } from 'vitest';
import { BookingOfferSchema, OFFER_WINDOW_SECONDS, offerFor, schedulingUrlFor } from '@domain/booking';
import type { Lead } from '@domain/lead';
import type { Rep } from '@domain/rep';

const lead = { leadId: 'lead-1', name: 'Dana  van Director', email: 'dana+x@acme.io' };
const query = (url: string) => Object.fromEntries(new URL(url).searchParams);

describe("the owner's scheduling page, prefilled as each tool documents", () => {
  it("Cal.com: name, email, and the lead id as the booking's metadata", () => {
    const url = schedulingUrlFor({ tool: 'calcom', url: 'https://cal.com/ana/30min?layout=month_view' }, lead);
    expect(query(url)).toEqual({ layout: 'month_view', name: lead.name, email: lead.email, 'metadata[leadId]': 'lead-1' });
    expect(url).toContain('email=dana%2Bx%40acme.io');
  });

  it("Calendly: name, email, and the lead id as the invitee's utm_content", () => {
    expect(query(schedulingUrlFor({ tool: 'calendly', url: 'https://calendly.com/ana/30min' }, lead))).toEqual({ name: lead.name, email: lead.email, utm_content: 'lead-1' });
  });

  it('HubSpot Meetings: first name, last name and email', () => {
    expect(query(schedulingUrlFor({ tool: 'hubspot', url: 'https://meetings.hubspot.com/ana' }, lead))).toEqual({ firstName: 'Dana', lastName: 'van Director', email: lead.email });
  });
});

describe('who is offered a meeting on the thank-you', () => {
  const now = new Date('2026-12-01T09:00:00.000Z');
  const ana: Rep = { id: 'rep-ana', name: 'Ana Alves', email: 'ana@example.com', active: true, scheduling: { tool: 'calcom', url: 'https://cal.com/ana/30min' } };
  const ben: Rep = { id: 'rep-ben', name: 'Ben Brown', email: 'ben@example.com', active: true };
  const routed = (overrides: Partial<Lead> = {}): Lead =>
    ({ ...lead, submittedAt: now.toISOString(), status: 'new', schedule: {}, steps: {}, grade: 'hot', triage: { decision: 'route' }, ownerId: 'rep-ana', formId: 'demo-request', ...overrides }) as Lead;
  const hotOnly = BookingOfferSchema.parse({});

  it('a hot, routed lead whose owner has a page: the owner by first name and the page', () => {
    expect(offerFor(routed(), [ana, ben], hotOnly, now)).toEqual({ status: 'offer', ownerName: 'Ana', url: expect.stringContaining('https://cal.com/ana/30min?') });
  });

  it('not routed yet: wait; warm, nurtured, disqualified, or an owner without a page: nothing', () => {
    expect(offerFor(routed({ grade: undefined, triage: undefined }), [ana], hotOnly, now)).toEqual({ status: 'pending' });
    expect(offerFor(routed({ grade: 'warm' }), [ana], hotOnly, now)).toEqual({ status: 'none' });
    expect(offerFor(routed({ triage: { decision: 'nurture' } as Lead['triage'] }), [ana], hotOnly, now)).toEqual({ status: 'none' });
    expect(offerFor(routed({ triage: { decision: 'disqualify' } as Lead['triage'], ownerId: undefined }), [ana], hotOnly, now)).toEqual({ status: 'none' });
    expect(offerFor(routed({ ownerId: 'rep-ben' }), [ana, ben], hotOnly, now)).toEqual({ status: 'none' });
  });

  it('the config decides the grades and the forms', () => {
    const warmToo = BookingOfferSchema.parse({ grades: ['hot', 'warm'], formIds: ['pricing'] });
    expect(offerFor(routed({ grade: 'warm', formId: 'pricing' }), [ana], warmToo, now)).toMatchObject({ status: 'offer' });
    expect(offerFor(routed({ formId: 'demo-request' }), [ana], warmToo, now)).toEqual({ status: 'none' });
    expect(offerFor(routed({ formId: undefined }), [ana], warmToo, now)).toEqual({ status: 'none' });
  });

  it(`says nothing at all for an unknown lead, or ${OFFER_WINDOW_SECONDS / 60} minutes after it was submitted`, () => {
    expect(offerFor(undefined, [ana], hotOnly, now)).toBeUndefined();
    expect(offerFor(routed(), [ana], hotOnly, new Date(now.getTime() + OFFER_WINDOW_SECONDS * 1000))).toMatchObject({ status: 'offer' });
    expect(offerFor(routed(), [ana], hotOnly, new Date(now.getTime() + OFFER_WINDOW_SECONDS * 1000 + 1))).toBeUndefined();
  });
});

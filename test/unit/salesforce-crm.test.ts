import { describe, expect, it } from 'vitest';
import { SignatureInvalid, ValidationError } from '@domain/errors';
import { salesforceMessageOf, SalesforceMappingSchema, verifySalesforceToken } from '@domain/salesforce-crm';
import { outboundMessage } from '../support/salesforce';

const mapping = SalesforceMappingSchema.parse({ lostReasonField: 'Loss_Reason__c' });

describe("Salesforce's outbound message", () => {
  it('reads each opportunity of one of our leads as its pipeline stage, at its LastModifiedDate, and counts the rest as ignored', () => {
    const message = salesforceMessageOf(
      outboundMessage([
        { id: '04l5e00000Gx7QzAAJ', fields: { Id: '0065e00000AbCdEAAV', Speed_to_Lead_Id__c: '0123', StageName: 'Proposal/Price Quote', Amount: '12000.0', CurrencyIsoCode: 'eur', LastModifiedDate: '2026-11-30T09:15:00.000Z' } },
        { id: '04l5e00000Gx7R0AAJ', fields: { Speed_to_Lead_Id__c: 'lead-2', StageName: 'Closed Won', IsWon: 'true', IsClosed: 'true' } },
        { id: '04l5e00000Gx7R1AAJ', fields: { Speed_to_Lead_Id__c: 'lead-3', StageName: 'Negotiation', IsClosed: 'true', IsWon: 'false', Loss_Reason__c: 'Price &amp; timing' } },
        { id: '04l5e00000Gx7R2AAJ', fields: { StageName: 'Closed Won' } },
      ]),
      mapping,
    );
    expect(message.organizationId).toBe('00D5e000000KQ2eEAG');
    expect(message.ignored).toBe(1);
    expect(message.changes).toEqual([
      // A lead id that looks like a number stays text.
      { leadId: '0123', deliveryId: 'salesforce:04l5e00000Gx7QzAAJ', at: '2026-11-30T09:15:00.000Z', pipeline: { stage: 'opportunity', amount: 12000, currency: 'EUR' } },
      { leadId: 'lead-2', deliveryId: 'salesforce:04l5e00000Gx7R0AAJ', pipeline: { stage: 'won' } },
      { leadId: 'lead-3', deliveryId: 'salesforce:04l5e00000Gx7R1AAJ', pipeline: { stage: 'lost', lostReason: 'Price & timing' } },
    ]);
  });

  it('refuses what is not an outbound message, naming where, and expands no entity', () => {
    const pathOf = (raw: string) => {
      try {
        salesforceMessageOf(Buffer.from(raw), mapping);
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).issues[0]!.path;
      }
      throw new Error('accepted');
    };
    expect(pathOf('<not xml')).toBe('(body)');
    expect(pathOf('<Envelope><Body><other/></Body></Envelope>')).toBe('Envelope.Body.notifications');
    expect(pathOf('<Envelope><Body><notifications><Notification><Id>1</Id></Notification></notifications></Body></Envelope>')).toBe('notifications.OrganizationId');
    const bomb = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><Envelope><Body><notifications><OrganizationId>00D5e000000KQ2eEAG</OrganizationId><Notification><Id>1</Id><sObject><Speed_to_Lead_Id__c>&b;</Speed_to_Lead_Id__c></sObject></Notification></notifications></Body></Envelope>`;
    expect(pathOf(bomb)).toBe('(body)');
  });

  it("checks the endpoint's token in constant time, the one before a rotation too", () => {
    const reasonOf = (token: string | undefined, tokens: { current: string; previous?: string } = { current: 'the-token' }) => {
      try {
        verifySalesforceToken(token, tokens);
        return 'accepted';
      } catch (error) {
        expect(error).toBeInstanceOf(SignatureInvalid);
        return (error as SignatureInvalid).reason;
      }
    };
    expect(reasonOf('the-token')).toBe('accepted');
    expect(reasonOf('the-token', { current: 'new', previous: 'the-token' })).toBe('accepted');
    expect(reasonOf('the-toke')).toBe('mismatch');
    expect(reasonOf(undefined)).toBe('missing-signature');
  });
});

import { describe, expect, it } from 'vitest';
import type { Lead } from '@domain/lead';
import { scheduleFor, defaultSequence } from '@domain/sequence';
import { confirmationEmail, followUpEmail, headerSafe, hotLeadAlertEmail, requestedThing } from '@domain/templates';

const hostile = '<script>alert("x")</script> & "quotes"';
const lead: Lead = {
  leadId: 'lead-1',
  submittedAt: '2026-11-02T10:00:00.000Z',
  status: 'new',
  schedule: scheduleFor(new Date('2026-11-02T10:00:00Z'), defaultSequence),
  steps: {},
  email: 'dana@acme.io',
  name: `Dana ${hostile}`,
  company: hostile,
  formId: 'demo-request',
  message: `Line one\n${hostile}`,
  score: 82,
  grade: 'hot',
  reasons: ['asked for a demo', hostile],
  ownerName: 'Ana',
};
const links = { unsubscribeUrl: 'https://api.example.com/leads/lead-1/unsubscribe?token=a.b' };

describe('emails', () => {
  it('confirm to the lead by first name what they asked for, quoting their message escaped', () => {
    const email = confirmationEmail(lead, links);
    expect(email.subject).toBe('Thanks, Dana: we received your request');
    expect(email.text).toContain('request for a demo');
    expect(email.text).toContain('> Line one');
    expect(email.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;');
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain(links.unsubscribeUrl.replace('&', '&amp;'));
  });

  it('alert the rep with who, score, reasons and the link to mark contact, escaped', () => {
    const email = hotLeadAlertEmail({ ...lead, ownerRule: 'territory emea (round-robin)' }, { contactUrl: 'https://api.example.com/leads/lead-1/contact?token=t' }, 5, 'Call now: they asked for a demo.');
    expect(email.subject).toMatch(/^Hot lead: Dana .* \(score 82\)$/);
    expect(email.text).toContain('asked for a demo');
    expect(email.text).toContain('5 minutes ago');
    expect(email.text).toContain('Mark as contacted: https://api.example.com/leads/lead-1/contact?token=t');
    expect(email.html).not.toContain('<script>');
  });

  it('follow up by day, signed by the owner, the last one saying it is the last', () => {
    expect(followUpEmail(lead, 3, 'middle', links).subject).toBe('Dana, following up on your request (day 3)');
    expect(followUpEmail(lead, 14, 'last', links).text).toContain('last note');
    expect(followUpEmail(lead, 1, 'first', links).text).toContain('Ana');
  });

  it('keep subjects to one line whatever the lead typed', () => {
    expect(headerSafe('Hi\r\nBcc: victim@example.com')).toBe('Hi Bcc: victim@example.com');
    const email = confirmationEmail({ ...lead, name: 'Eve\r\nBcc: x@y.z' }, links);
    expect(email.subject).not.toMatch(/[\r\n]/);
  });

  it('name what was asked for from the form', () => {
    expect(requestedThing({ formId: 'pricing-page' })).toBe('pricing information');
    expect(requestedThing({ formId: 'ebook-2026' })).toBe('the content you requested');
    expect(requestedThing({})).toBe('a conversation with our team');
  });
});

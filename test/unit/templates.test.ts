import { describe, expect, it } from 'vitest';
import type { Lead } from '@domain/lead';
import { scheduleFor, defaultSequence } from '@domain/sequence';
import { contactPage } from '@domain/pages';
import { requestedThing } from '@domain/lead';
import { headerSafe } from '@domain/markup';
import { confirmationEmail, escalationEmail, followUpEmail, hotLeadAlertEmail } from '@domain/templates';
import { loadConfig } from '../../lib/config';
import { compileEmails } from '../../lib/emails';

// The templates as the dev stage ships them (lib/config/emails/).
const emails = compileEmails(loadConfig('dev'));

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
// A postal address that needs escaping in HTML, on several lines as the config allows.
const postalAddress = 'Acme & Sons <Sales>\n1 "Main" Street\nSpringfield, IL 62701\nUSA';
const links = { unsubscribeUrl: 'https://api.example.com/leads/lead-1/unsubscribe?token=a.b', postalAddress };

describe('emails', () => {
  it('confirm to the lead by first name what they asked for, quoting their message escaped', () => {
    const email = confirmationEmail(emails, lead, links);
    expect(email.subject).toBe('Thanks, Dana: we received your request');
    expect(email.text).toContain('request for a demo');
    expect(email.text).toContain('> Line one');
    expect(email.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;');
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain(links.unsubscribeUrl.replace('&', '&amp;'));
  });

  it('alert the rep with who, score, reasons and the link to mark contact, escaped', () => {
    const email = hotLeadAlertEmail(emails, { ...lead, ownerRule: 'territory emea (round-robin)' }, { contactUrl: 'https://api.example.com/leads/lead-1/contact?token=t' }, 5, 'Call now: they asked for a demo.');
    expect(email.subject).toMatch(/^Hot lead: Dana .* \(score 82\)$/);
    expect(email.text).toContain('asked for a demo');
    expect(email.text).toContain('5 minutes ago');
    expect(email.text).toContain('Mark as contacted: https://api.example.com/leads/lead-1/contact?token=t');
    expect(email.html).not.toContain('<script>');
  });

  it("give the rep a one-tap call to the lead's phone, normalized for tel:, shown as typed", () => {
    const withPhone = { ...lead, phone: '+1 555 123 4567 ext. 89', phoneE164: '+15551234567', phoneExtension: '89' };
    const contact = { contactUrl: 'https://api.example.com/leads/lead-1/contact?token=t' };
    for (const email of [hotLeadAlertEmail(emails, withPhone, contact, 5, 'Call now'), escalationEmail(emails, withPhone, 'Ana', contact, 15, 'Call now')]) {
      expect(email.text).toContain('Call +1 555 123 4567 ext. 89: tel:+15551234567;ext=89');
      expect(email.html).toContain('<a href="tel:+15551234567;ext=89">Call +1 555 123 4567 ext. 89</a>');
    }
    expect(contactPage(withPhone, 't', 'https://api.example.com/leads/lead-1/contact')).toContain('<a href="tel:+15551234567;ext=89">+1 555 123 4567 ext. 89</a>');
    // A number that could not be read as a full one gets no link (it is still shown as typed).
    const unread = hotLeadAlertEmail(emails, { ...lead, phone: '(555) 123-4567' }, contact, 5, 'Call now');
    expect(unread.text).not.toContain('tel:');
    expect(unread.text).toContain('phone: (555) 123-4567');
  });

  it('follow up by day, signed by the owner, the last one saying it is the last', () => {
    expect(followUpEmail(emails, lead, 3, links).subject).toBe('Dana, following up on your request (day 3)');
    expect(followUpEmail(emails, lead, 14, links).text).toContain('last note');
    expect(followUpEmail(emails, lead, 1, links).text).toContain('Ana');
  });

  it('keep subjects to one line whatever the lead typed', () => {
    expect(headerSafe('Hi\r\nBcc: victim@example.com')).toBe('Hi Bcc: victim@example.com');
    const email = confirmationEmail(emails, { ...lead, name: 'Eve\r\nBcc: x@y.z' }, links);
    expect(email.subject).not.toMatch(/[\r\n]/);
  });

  it('name what was asked for from the form', () => {
    expect(requestedThing({ formId: 'pricing-page' })).toBe('pricing information');
    expect(requestedThing({ formId: 'ebook-2026' })).toBe('the content you requested');
    expect(requestedThing({})).toBe('a conversation with our team');
  });

  it('carry the sender\'s postal address in every lead email\'s footer, HTML (escaped) and text (CAN-SPAM)', () => {
    const leadEmails = [confirmationEmail(emails, lead, links), ...defaultSequence.followUpDays.map((day) => followUpEmail(emails, lead, day, links))];
    expect(leadEmails).toHaveLength(1 + defaultSequence.followUpDays.length);
    for (const email of leadEmails) {
      expect(email.html).toContain('Acme &amp; Sons &lt;Sales&gt;<br>1 &quot;Main&quot; Street<br>Springfield, IL 62701<br>USA');
      expect(email.html).not.toContain('<Sales>');
      // After the unsubscribe link, as the footer's last lines.
      expect(email.text.endsWith(`${links.unsubscribeUrl}\n\n${postalAddress}`)).toBe(true);
    }
    // The rep's alert is internal mail, not commercial: no footer.
    expect(hotLeadAlertEmail(emails, lead, { contactUrl: 'https://x.example.com/c' }, 5, 'Call').text).not.toContain('Springfield');
  });
});

import { describe, expect, it } from 'vitest';
import type { Lead } from '@domain/lead';
import { answeredMessage, appLeadUrl, hotLeadAlertMessage, mrkdwn, teamLeadNoticeMessage } from '@domain/slack-messages';
import { mrkdwnToHtml } from '../../local/stand-ins/slack';

const lead = (overrides: Partial<Lead> = {}) =>
  ({ leadId: 'lead-1', email: 'dana@acme.io', name: 'Dana Director', company: 'Acme', jobTitle: 'Director of Sales', score: 82, grade: 'hot', reasons: ['Director title', 'asked for a demo'], ownerRule: 'default pool, your turn', ...overrides }) as Lead;
const facts = { publicBaseUrl: 'https://leads.example.com/', afterMinutes: 5, nextAction: 'Call now' };
const all = (message: { text: string; blocks: unknown[] }) => `${message.text}\n${JSON.stringify(message.blocks)}`;

describe('Slack messages', () => {
  it("escape exactly Slack's three characters, so markup a lead typed stays text", () => {
    expect(mrkdwn('<!channel> & <https://evil.example|Click> <@U1>')).toBe('&lt;!channel&gt; &amp; &lt;https://evil.example|Click&gt; &lt;@U1&gt;');
  });

  it('carry nothing a lead typed unescaped: name, company, title, message, phone', () => {
    const hostile = lead({ name: '<!channel>', company: '<!here|x> & co', jobTitle: '<@U0BOSS>', message: 'line\n<https://evil.example|free money>', phone: '<tel:1>' });
    for (const message of [hotLeadAlertMessage(hostile, facts), teamLeadNoticeMessage(hostile, { publicBaseUrl: facts.publicBaseUrl, from: '<!everyone>', slaMinutes: 15 })]) {
      const text = all(message);
      for (const raw of ['<!channel>', '<!here', '<@U0BOSS>', '<https://evil', '<tel:1>', '<!everyone>', ' & co']) expect(text).not.toContain(raw);
    }
  });

  it('link the lead to its page in the team app and a phone with tel:', () => {
    expect(appLeadUrl('https://leads.example.com/', 'a b')).toBe('https://leads.example.com/app/#/leads/a%20b');
    const text = all(hotLeadAlertMessage(lead({ phone: '(555) 123-4567', phoneE164: '+15551234567' }), facts));
    expect(text).toContain('<tel:+15551234567|(555) 123-4567>');
    expect(text).toContain('"url":"https://leads.example.com/app/#/leads/lead-1"');
  });

  it('once answered: the lead kept, the buttons gone, who answered what and when', () => {
    const alert = hotLeadAlertMessage(lead(), facts);
    const answered = answeredMessage(alert.blocks, lead(), { outcome: 'rejected', reason: 'no-budget', by: 'Ana <Alves>', at: '2026-12-01T10:00:00.000Z', via: 'slack' });
    expect(answered.blocks.some((block) => block.type === 'actions')).toBe(false);
    expect(all(answered)).toContain(`Ana &lt;Alves&gt; rejected it (No budget) in Slack, <!date^${Date.parse('2026-12-01T10:00:00.000Z') / 1000}^`);
    expect(answered.blocks.at(-1)).toMatchObject({ type: 'context', block_id: 'lead:lead-1' });
  });

  it("the stand-in's page draws mrkdwn as HTML without letting escaped text become markup", () => {
    expect(mrkdwnToHtml('*Who:* &lt;script&gt; & "x" <tel:+1555|(555)>')).toBe('<b>Who:</b> &lt;script&gt; &amp; &quot;x&quot; <a href="tel:+1555">(555)</a>');
    expect(mrkdwnToHtml('> &lt;b&gt;hi')).toBe('<span class="quote">&lt;b&gt;hi</span>');
  });
});

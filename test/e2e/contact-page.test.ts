import AxeBuilder from '@axe-core/playwright';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { launchChromium, snap } from '../support/browser';
import { linkIn, waitForEmails } from '../support/inbox';
import { hotLead, uniqueEmail } from '../support/leads';
import { storeOf } from '../support/store';

/**
 * The page behind the hot-lead alert's "Mark as contacted" link, as a rep on a phone or a
 * laptop opens it: who the lead is, a one-tap call, the buttons; no serious accessibility
 * problem (axe). E2E_SCREENSHOTS=<dir> keeps a screenshot at each width.
 */
let stack: LocalStack;
let browser: Browser;

beforeAll(async () => {
  // Minute 5 after 0.3 real seconds: the alert comes at once.
  [stack, browser] = await Promise.all([startLocalStack({ timeScale: 1_000 }), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe("the rep's contact page", () => {
  it('shows the lead with a tap-to-call link and the buttons, at phone and desktop width, with no serious axe finding', async () => {
    const email = uniqueEmail('dana', 'acme.example');
    const response = await fetch(`${stack.apiUrl}/leads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...hotLead(email), name: 'Dana <b>Director</b>', phone: '+1 415 555 0134 ext. 89' }),
    });
    expect(response.status).toBe(202);
    const { leadId } = (await response.json()) as { leadId: string };
    await waitForEmails(stack.sesUrl, email, (emails) => emails.length > 0);
    const lead = (await storeOf(stack).leads.getLead(leadId))!;
    const owner = stack.config.reps.find((rep) => rep.id === lead.ownerId)!;
    const [alert] = await waitForEmails(stack.sesUrl, owner.email, (emails) => emails.some((e) => e.body.text?.includes(leadId)));
    const contactUrl = linkIn(alert!, 'Mark as contacted');

    for (const [name, viewport] of [['phone', { width: 390, height: 844 }], ['desktop', { width: 1280, height: 900 }]] as const) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      await page.goto(contactUrl);
      // The name as typed, as text: the markup in it is shown, never rendered.
      await expect(page.getByText('Dana <b>Director</b>', { exact: false }).first().isVisible()).resolves.toBe(true);
      expect(await page.locator('b').count()).toBe(0);
      const call = page.getByRole('link', { name: '+1 415 555 0134 ext. 89' });
      expect(await call.getAttribute('href')).toBe('tel:+14155550134;ext=89');
      for (const button of ['Contacted', 'Accept']) expect(await page.getByRole('button', { name: button }).isVisible()).toBe(true);
      // Nothing wider than the screen: no sideways scrolling on a phone.
      expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
      await snap(page, `contact-page-${name}`);
      const { violations } = await new AxeBuilder({ page }).analyze();
      expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`)).toEqual([]);
      await context.close();
    }
  });
});

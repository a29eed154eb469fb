import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { launchChromium, snap } from '../support/browser';
import { signCalcomWebhook } from '@domain/booking-signature';
import { executionArnOf, hotLead, postLead, uniqueEmail } from '../support/leads';
import { slackConfig, waitForPosts } from '../support/slack';
import { storeOf } from '../support/store';

/**
 * The Slack stand-in's page as a person uses it in the demo: the hot-lead alert drawn roughly as
 * Slack draws it, a click on Contacted, and the message changed to the answer; no serious axe
 * finding at phone or desktop width. E2E_SCREENSHOTS=<dir> keeps a screenshot of each.
 */
let stack: LocalStack;
let browser: Browser;

beforeAll(async () => {
  // A simulated day in 5 s: the alert at once, the click long before the day-1 follow-up.
  // Ana (every lead's owner here) has a Cal.com page too: the demo page's thank-you offers it.
  const config = slackConfig(loadConfig('dev'), 'both');
  const reps = config.reps.map((rep) => (rep.id === 'rep-ana' ? { ...rep, scheduling: { tool: 'calcom' as const, url: 'https://cal.com/ana-alves/30min' } } : rep));
  [stack, browser] = await Promise.all([startLocalStack({ timeScale: 17_280, config: { ...config, reps } }), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

const seriousFindings = async (page: Page) =>
  (await new AxeBuilder({ page }).analyze()).violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);

describe("the Slack stand-in's page", () => {
  it('shows the alert with its buttons; Contacted answers the lead and the message shows who answered, without buttons', async () => {
    const { body } = await postLead(stack, { ...hotLead(uniqueEmail('dana')), name: 'Dana <b>Director</b>' });
    const leadId = body.leadId as string;
    await waitForPosts(stack, leadId, (posts) => posts.length > 0);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(stack.slack.url);
    // The rep's alert (the team lead's notice of the same lead has no Contacted button).
    const message = page.locator('article.msg').filter({ hasText: 'Dana <b>Director</b>' }).filter({ has: page.getByRole('button', { name: 'Contacted' }) });
    await message.getByText('Why this lead:').waitFor();
    // The name as typed, shown as text: the markup in it never becomes bold.
    expect(await message.locator('b').filter({ hasText: /^Director$/ }).count()).toBe(0);
    expect(await seriousFindings(page)).toEqual([]);
    await snap(page, 'slack-alert-desktop');

    await message.getByRole('button', { name: 'Contacted' }).click();
    await page.waitForURL(stack.slack.url + '/');
    const answered = page.locator('article.msg').filter({ hasText: 'Ana Alves marked it contacted in Slack' });
    await answered.waitFor();
    expect(await answered.textContent()).toContain('Dana <b>Director</b>');
    expect(await answered.getByRole('button').count()).toBe(0);
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    expect(await storeOf(stack).leads.getLead(leadId)).toMatchObject({ status: 'contacted', firstResponse: { via: 'slack', actor: 'rep:rep-ana' } });
    await snap(page, 'slack-answered-desktop');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    // Nothing wider than the screen: no sideways scrolling on a phone.
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    expect(await seriousFindings(page)).toEqual([]);
    await snap(page, 'slack-answered-phone');
    await context.close();
  });
});

describe("the demo page's thank-you offers a hot lead its rep's calendar", () => {
  async function submitDemo(page: Page, lead: { name: string; email: string; jobTitle?: string; size?: string; message?: string }) {
    await page.goto(`${stack.apiUrl}/`);
    await page.getByLabel('Full name').fill(lead.name);
    await page.getByLabel('Work email').fill(lead.email);
    if (lead.jobTitle) await page.getByLabel('Job title').fill(lead.jobTitle);
    if (lead.size) await page.getByLabel('Company size').selectOption(lead.size);
    if (lead.message) await page.getByLabel('What would you like to see? (optional)').fill(lead.message);
    const answered = page.waitForResponse((response) => response.url().endsWith('/leads'));
    await page.getByRole('button', { name: 'Request my demo' }).click();
    return ((await (await answered).json()) as { leadId: string }).leadId;
  }

  it('a hot lead sees "Book a time with Ana now", reaches it by keyboard, books, and its follow-ups stop; no serious axe finding on desktop or phone', async () => {
    const store = storeOf(stack);
    for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      const email = uniqueEmail('dana', 'acme.example');
      const leadId = await submitDemo(page, { name: 'Dana Director', email, jobTitle: 'Director of Sales', size: '200-999', message: 'A demo and a quote, please.' });
      const offer = page.getByRole('link', { name: 'Book a time with Ana now' });
      await offer.waitFor();
      const href = new URL((await offer.getAttribute('href'))!);
      expect(`${href.origin}${href.pathname}`).toBe('https://cal.com/ana-alves/30min');
      expect(Object.fromEntries(href.searchParams)).toEqual({ name: 'Dana Director', email, 'metadata[leadId]': leadId });
      expect(await offer.getAttribute('target')).toBe('_blank');
      // The thank-you has the focus; the offer is the next thing Tab reaches after the inbox link.
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => (globalThis as any).document.activeElement?.textContent)).toBe('Book a time with Ana now');
      expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      expect(await seriousFindings(page)).toEqual([]);
      await snap(page, `booking-offer-${viewport.width}`);

      // The lead picks a time: Cal.com's webhook, signed as Cal.com signs it.
      const body = JSON.stringify({ triggerEvent: 'BOOKING_CREATED', createdAt: new Date().toISOString(), payload: { uid: `bk-${leadId}`, startTime: '2026-12-08T09:30:00.000Z', organizer: { email: 'ana@example.com' }, metadata: { leadId } } });
      const booked = await fetch(`${stack.apiUrl}/booking/calcom`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-cal-signature-256': signCalcomWebhook(body, stack.calcomWebhookSecret) }, body });
      expect(booked.status).toBe(200);
      expect((await stack.runner.waitFor(executionArnOf(stack, leadId))).status).toBe('SUCCEEDED');
      const types = (await store.leads.listEvents(leadId)).map((e) => e.type);
      expect(types).toContain('meeting-booked');
      expect(types.filter((type) => type.startsWith('follow-up'))).toEqual([]);
      await context.close();
    }
  });

  it('a lead who is not hot sees the plain thank-you', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const answers: string[] = [];
    page.on('response', (response) => {
      if (/[/]booking$/.test(response.url())) void response.json().then((body: { status: string }) => answers.push(body.status));
    });
    const leadId = await submitDemo(page, { name: 'Wes Warm', email: uniqueEmail('wes', 'acme.example'), jobTitle: 'Office Manager' });
    await page.getByRole('heading', { name: 'Thank you! Your request is in.' }).waitFor();
    // Once the API's answer is not "pending" any more, the page has decided.
    await expect.poll(() => answers.filter((status) => status !== 'pending'), { timeout: 20_000 }).toEqual(['none']);
    expect((await storeOf(stack).leads.getLead(leadId))?.grade).not.toBe('hot');
    expect(await page.getByRole('link', { name: /Book a time/ }).count()).toBe(0);
    await context.close();
  });
});

import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { launchChromium, snap } from '../support/browser';
import { emailsTo, waitForEmails } from '../support/inbox';
import { executionArnOf, statesEntered, uniqueEmail } from '../support/leads';
import { storeOf } from '../support/store';

/**
 * The demo page in headless Chromium, as a visitor uses it: the embed script validates inline,
 * sends the lead with the page's facts, thanks the visitor, and the lead's whole sequence
 * follows in the local inbox. E2E_SCREENSHOTS=<dir> keeps screenshots of each stage.
 */
// 14 simulated days in about 4 real seconds: the whole sequence happens within the test.
const TIME_SCALE = 302_400;
// Callbacks given to page.evaluate() run in the page: its `document`, which the project's
// Node-only types do not describe (a DOM lib would change fetch's types for every test).
declare const document: any;
const CAMPAIGN = '?utm_source=google&utm_medium=cpc&utm_campaign=spring-demo';

let stack: LocalStack;
let store: ReturnType<typeof storeOf>;
let browser: Browser;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startLocalStack({ timeScale: TIME_SCALE }), launchChromium()]);
  store = storeOf(stack);
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function openDemoPage(options: BrowserContextOptions = {}) {
  const context = await browser.newContext({ timezoneId: 'Europe/Berlin', ...options });
  const page = await context.newPage();
  // Script errors and CSP violations (the page allows no inline script) surface here.
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/status of 400/.test(message.text())) problems.push(message.text());
  });
  const leadRequests: string[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/leads')) leadRequests.push(request.postData() ?? '');
  });
  await page.goto(`${stack.apiUrl}/${CAMPAIGN}`);
  await page.locator('form[data-lead-form-id]').waitFor({ state: 'attached' });
  return { page, problems, leadRequests, close: () => context.close() };
}

/** Resolves with the detail of the form's `lead-form:submitted` event (what analytics tags get). */
const nextSubmission = (page: Page) =>
  page.evaluate(() => new Promise<{ leadId: string; duplicate: boolean }>((resolve) => {
    document.addEventListener('lead-form:submitted', (event: { detail: { leadId: string; duplicate: boolean } }) => resolve(event.detail), { once: true });
  }));

const errorOf = async (page: Page, label: string) => {
  const field = page.getByLabel(label, { exact: true });
  const id = (await field.getAttribute('aria-describedby')) ?? '';
  return { invalid: await field.getAttribute('aria-invalid'), text: id ? await page.locator(`[id="${id}"]`).textContent() : null };
};

describe('the demo page', () => {
  it('shows errors inline, thanks the visitor, and the lead gets the confirmation, then every follow-up', async () => {
    const { page, problems, leadRequests, close } = await openDemoPage({ viewport: { width: 1280, height: 900 } });
    const email = uniqueEmail('dana', 'acme.example');
    const submit = page.getByRole('button', { name: 'Request my demo' });

    // The script added the honeypot, hidden from people and from assistive technology.
    const honeypot = page.locator('input[name="website"]');
    await expect(honeypot.count()).resolves.toBe(1);
    expect(await honeypot.evaluate((el) => el.closest('[aria-hidden="true"]') !== null && el.getBoundingClientRect().right < 0)).toBe(true);

    // Empty required fields: the browser's checks, shown inline, and nothing is sent.
    await submit.click();
    expect(await errorOf(page, 'Full name')).toMatchObject({ invalid: 'true', text: expect.stringMatching(/\S/) });
    expect(await errorOf(page, 'Work email')).toMatchObject({ invalid: 'true' });
    await expect(page.evaluate(() => document.activeElement?.getAttribute('name'))).resolves.toBe('name');
    expect(leadRequests).toHaveLength(0);

    // Something only the API refuses: its 400 issues appear next to the field.
    await page.getByLabel('Full name').fill('Dana Director');
    expect((await errorOf(page, 'Full name')).invalid).toBeNull();
    await page.getByLabel('Work email').fill(email);
    await page.getByLabel('Phone (optional)').fill('call me maybe');
    const refused = page.waitForResponse((response) => response.url().endsWith('/leads'));
    await submit.click();
    expect((await refused).status()).toBe(400);
    const { issues } = (await (await refused).json()) as { issues: Array<{ path: string; message: string }> };
    expect(issues).toEqual([{ path: 'phone', message: expect.any(String) }]);
    await page.locator('.lead-form-error:not([hidden])').first().waitFor();
    // The API's words, after the field's label: "Phone must be a phone number ...".
    expect(await errorOf(page, 'Phone (optional)')).toEqual({ invalid: 'true', text: `Phone ${issues[0]!.message}` });
    await expect(page.getByRole('status').textContent()).resolves.toBe('Please correct the highlighted field.');
    expect(leadRequests).toHaveLength(1);
    await snap(page, 'desktop-invalid');

    // A valid request: the button is disabled while it is on its way.
    await page.getByLabel('Phone (optional)').fill('+1 312 555 0187');
    expect((await errorOf(page, 'Phone (optional)')).invalid).toBeNull();
    await page.getByLabel('Company', { exact: true }).fill('Acme Corp');
    await page.getByLabel('Job title').fill('Director of Sales');
    await page.getByLabel('Company size').selectOption('200-999');
    await page.getByLabel('What would you like to see? (optional)').fill('A demo of the routing, and a quote.');
    await page.getByLabel(/product news/).check();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/leads', async (route) => {
      await held;
      await route.continue();
    });
    const submitted = nextSubmission(page);
    await submit.click();
    await expect(page.getByRole('button', { name: 'Sending…' }).isDisabled()).resolves.toBe(true);
    expect(await page.locator('form[data-lead-form]').getAttribute('aria-busy')).toBe('true');
    const submittedAt = Date.now();
    release();

    const { leadId, duplicate } = await submitted;
    await page.getByRole('heading', { name: 'Thank you! Your request is in.' }).waitFor();
    expect(duplicate).toBe(false);
    expect(await page.locator('form[data-lead-form]').isVisible()).toBe(false);
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('thanks');
    await expect(page.getByRole('link', { name: 'Open the local inbox' }).getAttribute('href')).resolves.toBe(stack.sesUrl);
    await snap(page, 'desktop-thanks');

    // The script sent the page's facts along with what the visitor typed.
    expect(await store.leads.getLead(leadId)).toMatchObject({
      email,
      name: 'Dana Director',
      company: 'Acme Corp',
      companySize: '200-999',
      phone: '+1 312 555 0187',
      consent: true,
      formId: 'demo-request',
      pageUrl: `${stack.apiUrl}/${CAMPAIGN}`,
      utm_source: 'google',
      utm_medium: 'cpc',
      utm_campaign: 'spring-demo',
      timezone: 'Europe/Berlin',
    });

    const [confirmation] = await waitForEmails(stack.sesUrl, email, (emails) => emails.some((e) => /we received your request/.test(e.subject)));
    console.log(`[e2e] form submit -> confirmation in the inbox: ${Date.now() - submittedAt} ms`);
    expect(confirmation!.subject).toBe('Thanks, Dana: we received your request');

    // Time is compressed: days 1, 3, 7 and 14 arrive within seconds, then the sequence closes.
    const followUps = (await waitForEmails(stack.sesUrl, email, (emails) => emails.some((e) => /\(day 14\)$/.test(e.subject)), 30_000)).filter((e) =>
      /following up/.test(e.subject),
    );
    expect(followUps.map((e) => /\(day (\d+)\)$/.exec(e.subject)?.[1])).toEqual(['1', '3', '7', '14']);
    expect((await stack.runner.waitFor(executionArnOf(stack, leadId))).status).toBe('SUCCEEDED');
    expect(statesEntered(stack, leadId).at(-1)).toBe('Close lead');
    expect(problems).toEqual([]);
    await close();
  });

  it('fits a phone screen, every field has a label, and the thank-you is in view', async () => {
    const { page, problems, close } = await openDemoPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('form input, form select, form textarea')]
        .filter((el: { name: string; labels?: unknown[] }) => el.name !== 'website' && (el.labels?.length ?? 0) === 0)
        .map((el: { name: string }) => el.name),
    );
    expect(unlabelled).toEqual([]);

    const email = uniqueEmail('mo', 'acme.example');
    await page.getByLabel('Full name').fill('Mo Mobile');
    await page.getByLabel('Work email').fill(email);
    await page.getByRole('button', { name: 'Request my demo' }).tap();
    const thanks = page.getByRole('heading', { name: 'Thank you! Your request is in.' });
    await thanks.waitFor();
    const box = (await thanks.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(844);
    await snap(page, 'mobile-thanks');
    await waitForEmails(stack.sesUrl, email, (emails) => emails.length > 0);
    expect(problems).toEqual([]);
    await close();
  });

  it('a bot that fills the hidden field is thanked, and nothing is stored or sent', async () => {
    const { page, close } = await openDemoPage();
    const email = uniqueEmail('bot', 'spam.example');
    await page.getByLabel('Full name').fill('Buy Followers');
    await page.getByLabel('Work email').fill(email);
    await page.locator('input[name="website"]').fill('https://spam.example');
    const submitted = nextSubmission(page);
    await page.getByRole('button', { name: 'Request my demo' }).click();
    const { leadId } = await submitted;
    await page.getByRole('heading', { name: 'Thank you! Your request is in.' }).waitFor();
    expect(await store.leads.getLead(leadId)).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await emailsTo(stack.sesUrl, email)).toEqual([]);
    await close();
  });
});

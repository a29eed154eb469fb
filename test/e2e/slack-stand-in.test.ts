import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { launchChromium } from '../support/browser';
import { hotLead, postLead, uniqueEmail } from '../support/leads';
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
  [stack, browser] = await Promise.all([startLocalStack({ timeScale: 17_280, config: slackConfig(loadConfig('dev'), 'both') }), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function snap(page: Page, name: string) {
  const dir = process.env.E2E_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

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

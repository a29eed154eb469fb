import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import AxeBuilder from '@axe-core/playwright';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import { messagesOf } from '../../lib/emails';
import { launchChromium, snap } from '../support/browser';

/**
 * `npm run emails` as a marketer uses it: the command writes every message for the sample leads
 * and a contact sheet; Chromium opens the sheet and each message at phone and desktop width.
 * E2E_SCREENSHOTS=<dir> keeps a screenshot of each.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'speed-to-lead-emails-preview-'));
let browser: Browser;
let printed: string;

beforeAll(async () => {
  const run = promisify(execFile)(process.execPath, ['--import', 'tsx', 'bin/emails.ts', '--out', out], { cwd: root, timeout: 60_000 });
  [browser, { stdout: printed }] = await Promise.all([launchChromium(), run]);
});

afterAll(async () => {
  await browser?.close();
  rmSync(out, { recursive: true, force: true });
});

const widths = [['phone', { width: 375, height: 800 }], ['desktop', { width: 1280, height: 900 }]] as const;

describe('npm run emails', () => {
  it('writes every message for every sample lead, and a contact sheet with no serious axe finding at phone and desktop width', async () => {
    const messages = messagesOf(loadConfig('dev'));
    expect(printed).toMatch(/^\d+ emails \(\d+ messages for 10 sample leads\)/);
    for (const [name, viewport] of widths) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      await page.goto(`file://${join(out, 'index.html')}`);
      for (const message of messages) expect(await page.getByRole('heading', { name: message, exact: true }).isVisible(), message).toBe(true);
      // The day-3 follow-up of the demo form comes from its own file.
      expect(await page.locator('#follow-up-3').getByText('follow-up-3.demo-request.mjml').first().isVisible()).toBe(true);
      expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
      await snap(page, `emails-contact-sheet-${name}`);
      const { violations } = await new AxeBuilder({ page }).exclude('iframe').analyze();
      expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`)).toEqual([]);
      await context.close();
    }
  });

  it('shows each message readable at phone and desktop width: the greeting, no sideways scrolling, the footer on lead emails', async () => {
    const messages = messagesOf(loadConfig('dev'));
    for (const [name, viewport] of widths) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      for (const message of messages) {
        await page.goto(`file://${join(out, message, 'hot-demo-request.html')}`);
        const text = await page.locator('body').innerText();
        expect(text, message).toMatch(/Dana|Ana Alves|Tess Lead/);
        expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), `${message} at ${name} width`).toBe(true);
        if (!['hot-alert', 'escalation', 'team-lead-notice'].includes(message)) {
          expect(await page.getByRole('link', { name: 'Unsubscribe from these emails' }).getAttribute('href')).toMatch(/\/unsubscribe\?token=/);
          expect(text).toContain('Springfield, IL 62701');
        }
        await snap(page, `email-${message}-${name}`);
      }
      await context.close();
    }
    // The text part beside each: what a plain-text mail client shows.
    expect(readFileSync(join(out, 'follow-up-3', 'warm-demo-request.txt'), 'utf8')).toMatch(/^Subject: Dana, following up on your request \(day 3\)\n\nHi Dana,\n\nwe have not managed to connect yet\. A demo takes 20 minutes/);
  });
});

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromiumPath } from '../support/browser';

/**
 * Makes sure the browser the e2e tests drive is installed: on a fresh Debian machine or CI
 * runner where we are root (or may sudo without a password), it installs Debian's `chromium`
 * package (once, about 30 s); anywhere else it says what to install instead of failing deep
 * inside a test.
 */
export default function ensureChromium(): void {
  const path = chromiumPath();
  if (existsSync(path)) return;
  const howTo =
    `The browser tests need headless Chromium at ${path}. Install Debian's package ` +
    '(`sudo apt-get update && sudo apt-get install -y chromium`), or set CHROMIUM_PATH to a Chromium or Chrome binary.';
  if (process.env.CHROMIUM_PATH) throw new Error(`CHROMIUM_PATH=${path} does not exist. ${howTo}`);
  const root = process.getuid?.() === 0;
  const sudo = !root && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
  if (!existsSync('/usr/bin/apt-get') || (!root && !sudo)) throw new Error(howTo);

  console.log('[e2e] Chromium is missing: installing Debian\'s chromium package (once)...');
  const apt = (args: string[]) => {
    // Waits for a dpkg lock (another test run installing at the same time) instead of failing.
    const command = ['apt-get', '-q', '-o', 'Dpkg::Use-Pty=0', '-o', 'DPkg::Lock::Timeout=300', ...args];
    const [file, ...rest] = sudo ? ['sudo', '-n', 'env', 'DEBIAN_FRONTEND=noninteractive', ...command] : command;
    execFileSync(file!, rest, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      timeout: 600_000,
    });
  };
  try {
    apt(['update']);
    apt(['install', '-y', 'chromium']);
  } catch (error) {
    throw new Error(`Installing chromium with apt-get failed (${(error as Error).message.split('\n')[0]}). ${howTo}`);
  }
  if (!existsSync(path)) throw new Error(`apt-get installed chromium, but ${path} is still missing. ${howTo}`);
  console.log(`[e2e] Chromium installed at ${path}.`);
}

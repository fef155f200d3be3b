// A real browser for the portal's tests: Debian's chromium driven by playwright-core. Kept out
// of index.ts so that suites without a browser do not load playwright.
import { errorMessage } from '@liveprobe/protocol/util';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { fromRoot, tempDir, type TempDir } from '@liveprobe/harness';

/** Where screenshots go (gitignored); the README's copies live in docs/screenshots/. */
export const SCREENSHOT_DIR = fromRoot('test-artifacts/portal');

/** Debian's chromium, or LIVEPROBE_CHROMIUM. */
export const CHROMIUM = process.env.LIVEPROBE_CHROMIUM ?? '/usr/bin/chromium';
/** A laptop screen. */
const VIEWPORT = { width: 1366, height: 800 };
// The machine has no network: keep chromium from trying to reach any service of its own.
export const CHROMIUM_OFFLINE_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  /** A new tab; uncaught errors in its scripts are collected in `pageErrors`. */
  newPage(): Promise<Page>;
  /** Script errors from every tab so far: a portal page should have none. */
  readonly pageErrors: string[];
  /** A full-page PNG at test-artifacts/portal/<name>.png. */
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

/** Chromium, headless, with a fresh profile that is removed on close. */
export async function browser(): Promise<Browser> {
  const profile: TempDir = await tempDir('liveprobe-chromium-');
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile.path, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_OFFLINE_ARGS,
      viewport: VIEWPORT,
    });
  } catch (error) {
    await profile.remove();
    throw new Error(`cannot start ${CHROMIUM} (apt-get install chromium, or set LIVEPROBE_CHROMIUM): ${errorMessage(error)}`);
  }
  const pageErrors: string[] = [];
  return {
    pageErrors,
    async newPage() {
      const page = await context.newPage();
      page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
      return page;
    },
    async screenshot(page, name) {
      await mkdir(SCREENSHOT_DIR, { recursive: true });
      const path = join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await context.close();
      await profile.remove();
    },
  };
}

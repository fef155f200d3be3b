// Driving the VS Code workbench (code-server) in Chromium as a user does: the command palette,
// input boxes and quick picks, Ctrl+P and Ctrl+G, and what the editor shows.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import type { TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { browser, SCREENSHOT_DIR } from '../helpers/browser.js';
import { fromRoot, waitFor } from '@liveprobe/harness';
import type { CodeServer } from './code-server.js';

export const WAIT = 30_000;

/** Chromium on the workbench, once the extension's status bar item says `ready` (the palette caches its list when it opens). */
export async function openWorkbench(t: TestContext, server: CodeServer, ready: string | RegExp): Promise<Page> {
  const chromium = await browser();
  t.after(() => chromium.close());
  const page = await chromium.newPage();
  await page.goto(server.workbench);
  await page.locator('.statusbar-item', { hasText: ready }).waitFor({ timeout: 60_000 });
  return page;
}

/** Runs `steps`; on failure keeps the last screen and the page's HTML for whoever reads it. */
export async function keepFailure(page: Page, name: string, steps: () => Promise<void>): Promise<void> {
  try {
    await steps();
  } catch (error) {
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: `${SCREENSHOT_DIR}/${name}-failure.png` }).catch(() => undefined);
    await writeFile(`${SCREENSHOT_DIR}/${name}-failure.html`, await page.content()).catch(() => undefined);
    throw error;
  }
}

export async function problemsShow(page: Page, patterns: RegExp[], what: string): Promise<void> {
  const problems = page.locator('.markers-panel');
  await waitFor(
    async () => {
      const shown = text(await problems.textContent());
      return patterns.every((p) => p.test(shown));
    },
    WAIT,
    what,
  );
}

/** Monaco renders spaces as no-break spaces. */
export function text(s: string | null): string {
  return (s ?? '').replace(/\u00a0/g, ' ');
}

/** Runs a command from the palette, as a user types it. */
export async function command(page: Page, name: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible', timeout: WAIT });
  await input.fill(`>${name}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: WAIT });
  await page.keyboard.press('Enter');
}

/** Answers the open input box or quick pick whose prompt, title or placeholder contains `prompt`. */
export async function answer(page: Page, prompt: string, value: string): Promise<void> {
  await page.waitForFunction(
    (wanted) => {
      const widget = document.querySelector<HTMLElement>('.quick-input-widget');
      const input = widget?.querySelector<HTMLInputElement>('input.input');
      return (
        widget !== null &&
        widget !== undefined &&
        widget.style.display !== 'none' &&
        ((widget.textContent ?? '').includes(wanted) || (input?.placeholder ?? '').includes(wanted))
      );
    },
    prompt,
    { timeout: WAIT },
  );
  await page.locator('.quick-input-widget input.input').fill(value);
  await page.keyboard.press('Enter');
  // The next step reuses the widget: let this one go first.
  await page.waitForTimeout(200);
}

export async function openAt(page: Page, file: string, line: number): Promise<void> {
  await page.keyboard.press('Control+p');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible', timeout: WAIT });
  await input.fill(file);
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: file.split('/').at(-1) as string })
    .first()
    .waitFor({ timeout: WAIT });
  await page.keyboard.press('Enter');
  await page
    .locator(`.tab[aria-label^="${file.split('/').at(-1)}"]`)
    .first()
    .waitFor({ timeout: WAIT });
  await goTo(page, line);
}

export async function goTo(page: Page, line: number): Promise<void> {
  await page.locator('.monaco-editor textarea').first().focus();
  await page.keyboard.press('Control+g');
  await page.locator('.quick-input-widget input.input').fill(`:${line}`);
  await page.keyboard.press('Enter');
}

/** The `after` decoration texts shown in the editor (CSS ::after content, not innerText). */
export function decorationTexts(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('.monaco-editor .view-lines span')]
      .map((el) => getComputedStyle(el, '::after').content)
      .filter((c) => c !== 'none' && c !== 'normal' && c.includes('liveprobe')),
  );
}

export async function waitForDecoration(page: Page, pattern: RegExp): Promise<string> {
  let last: string[] = [];
  await waitFor(
    async () => {
      last = await decorationTexts(page);
      return last.some((d) => pattern.test(d));
    },
    WAIT,
    `a decoration matching ${pattern}`,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}; decorations: ${JSON.stringify(last)}`);
  });
  return last.find((d) => pattern.test(d)) as string;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = `${SCREENSHOT_DIR}/vscode-${name}.png`;
  await page.screenshot({ path });
  // The README shows these: refreshed by each run.
  await copyFile(path, fromRoot(`docs/screenshots/vscode-${name}.png`));
}

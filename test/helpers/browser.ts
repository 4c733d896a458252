import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-gpu',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Debian's Chromium with a profile folder on disk, so a test can close the
 * browser and open it again the way a person does: session cookies go,
 * persistent ones stay.
 */
export async function openBrowser(
  options: {
    javaScriptEnabled?: boolean;
    /** For a site under test with a throw-away self-signed certificate. */
    ignoreHttpsErrors?: boolean;
  } = {},
) {
  const profile = await mkdtemp(path.join(tmpdir(), 'passport-browser-'));
  let context: BrowserContext | undefined;

  async function launch(): Promise<BrowserContext> {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
      headless: true,
      javaScriptEnabled: options.javaScriptEnabled ?? true,
      ignoreHTTPSErrors: options.ignoreHttpsErrors ?? false,
    });
    return context;
  }

  await launch();
  return {
    get context(): BrowserContext {
      return context!;
    },
    async page() {
      return context!.pages()[0] ?? context!.newPage();
    },
    async restart() {
      await context?.close();
      await launch();
    },
    async close() {
      await context?.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

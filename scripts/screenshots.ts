// `node scripts/screenshots.ts`: the README's pictures of the sign-in page, one per
// language, taken from an IdP this script starts on its own throw-away data so
// nobody's accounts appear in them. Debian's Chromium at a fixed viewport keeps
// the pictures comparable from one run to the next.
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startIdp } from '../idp/server.ts';

const VIEWPORT = { width: 1024, height: 860 };
const OUTPUT = path.resolve(import.meta.dirname, '../docs/screenshots');
const LANGUAGES = [
  { file: 'sign-in-en.png', acceptLanguage: 'en' },
  { file: 'sign-in-pt-BR.png', acceptLanguage: 'pt-BR,pt;q=0.9' },
];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const dataDir = await mkdtemp(path.join(tmpdir(), 'passport-screenshots-'));
const port = await freePort();
const idp = await startIdp({
  env: { IDP_ISSUER: `http://localhost:${port}`, DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
  logger: false,
});
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
});
try {
  for (const { file, acceptLanguage } of LANGUAGES) {
    const context = await browser.newContext({
      viewport: VIEWPORT,
      extraHTTPHeaders: { 'Accept-Language': acceptLanguage },
      colorScheme: 'light',
    });
    const page = await context.newPage();
    // Account services begin with Passport's own sign-in page.
    await page.goto(`${idp.url}/account`);
    await page.locator('input[name="password"]').waitFor();
    await page.screenshot({ path: path.join(OUTPUT, file), fullPage: true });
    await context.close();
    console.log(`docs/screenshots/${file}`);
  }
} finally {
  await browser.close();
  await idp.close();
  await rm(dataDir, { recursive: true, force: true });
}

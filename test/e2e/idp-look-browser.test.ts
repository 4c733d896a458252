import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { accountClientMetadata } from '../../idp/account-services/sign-in.ts';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { openBrowser } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { expectHeading } from '../helpers/pages.ts';
import { freePort } from '../helpers/ports.ts';

type Browser = Awaited<ReturnType<typeof openBrowser>>;

/** Relative luminance of a CSS rgb() colour (WCAG), 0 black to 1 white. */
function luminance(colour: string): number {
  const [r, g, b] = (colour.match(/[\d.]+/g) ?? []).slice(0, 3).map((part) => {
    const channel = Number(part) / 255;
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

async function colours(page: Page, selector: string) {
  return page
    .locator(selector)
    .first()
    .evaluate((element) => {
      const style = getComputedStyle(element);
      return { color: style.color, background: style.backgroundColor };
    });
}

describe("Passport's pages in a real browser: small screens, dark scheme, passwords shown, local times", () => {
  let idp: TestIdp;
  let browser: Browser;

  beforeAll(async () => {
    const issuer = `http://localhost:${await freePort()}`;
    idp = await startTestIdp({ env: { IDP_ISSUER: issuer }, clients: [accountClientMetadata(issuer)] });
  });
  afterAll(async () => idp?.close());
  beforeEach(async () => {
    browser = await openBrowser();
  });
  afterEach(async () => browser?.close());

  async function signInToAccount(page: Page, person: TestPerson) {
    await page.goto(`${idp.issuer}/account`);
    await page.getByLabel('E-mail address').fill(person.email);
    await page.getByLabel('Password', { exact: true }).fill(person.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectHeading(page, 'Your Passport', { exact: true });
  }

  test('the activity, profile and form pages reflow at 375 px: no sideways scrolling', async () => {
    const person = await registerPerson(idp);
    const page = await browser.page();
    await page.setViewportSize({ width: 375, height: 800 });
    await signInToAccount(page, person);
    for (const path of [
      '/',
      '/signup',
      '/account',
      '/account/personal',
      '/account/address',
      '/account/activity',
    ]) {
      await page.goto(`${idp.issuer}${path}`);
      const width = await page.evaluate(() => document.scrollingElement!.scrollWidth);
      expect(width, path).toBeLessThanOrEqual(375);
    }
    // The activity lines stay readable: each cell says which column it is.
    expect(await page.locator('table.activity td').first().getAttribute('data-label')).toBe('Time');
  });

  test('a browser that prefers a dark scheme gets dark pages with readable text', async () => {
    const page = await browser.page();
    await page.emulateMedia({ colorScheme: 'dark' });
    for (const path of ['/', '/signup']) {
      await page.goto(`${idp.issuer}${path}`);
      const body = await colours(page, 'body');
      const panel = await colours(page, 'main');
      expect(luminance(body.background), path).toBeLessThan(0.1);
      expect(luminance(panel.background), path).toBeLessThan(0.1);
      expect(contrast(panel.color, panel.background), path).toBeGreaterThanOrEqual(7);
      const field = await colours(page, 'input[type="email"], main a.button');
      expect(contrast(field.color, field.background), path).toBeGreaterThanOrEqual(4.5);
    }
    await page.goto(`${idp.issuer}/`);
    const panel = await colours(page, 'main');
    const link = await colours(page, 'main .next-steps a');
    expect(contrast(link.color, panel.background)).toBeGreaterThanOrEqual(4.5);
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto(`${idp.issuer}/`);
    expect(luminance((await colours(page, 'main')).background)).toBeGreaterThan(0.9);
  });

  test('a password can be shown and hidden again, in both languages', async () => {
    const page = await browser.page();
    await page.goto(`${idp.issuer}/signup`);
    const password = page.getByLabel('Password', { exact: true });
    const toggle = page.getByRole('button', { name: 'Show Password', exact: true });
    await password.fill('Correct-Horse-9');
    expect(await password.getAttribute('type')).toBe('password');
    await toggle.click();
    expect(await password.getAttribute('type')).toBe('text');
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    expect(await password.inputValue()).toBe('Correct-Horse-9');
    await toggle.click();
    expect(await password.getAttribute('type')).toBe('password');
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');

    await page.setExtraHTTPHeaders({ 'accept-language': 'pt-BR' });
    await page.goto(`${idp.issuer}/signup`);
    await page.getByRole('button', { name: 'Mostrar Senha', exact: true }).click();
    expect(await page.getByLabel('Senha', { exact: true }).getAttribute('type')).toBe('text');
  });

  test('without JavaScript the password fields stay plain fields with no dead buttons', async () => {
    const noScript = await openBrowser({ javaScriptEnabled: false });
    try {
      const page = await noScript.page();
      await page.goto(`${idp.issuer}/signup`);
      await page.getByLabel('Password', { exact: true }).waitFor();
      expect(await page.getByRole('button', { name: /^Show/ }).count()).toBe(0);
    } finally {
      await noScript.close();
    }
  });

  test("the activity list shows times in the person's own time zone", async () => {
    const person = await registerPerson(idp);
    const page = await browser.page();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setTimezoneOverride', { timezoneId: 'America/Sao_Paulo' });
    await signInToAccount(page, person);
    await page.goto(`${idp.issuer}/account/activity`);
    const first = page.locator('table.activity time').first();
    const moment = new Date((await first.getAttribute('datetime'))!);
    const local = new Intl.DateTimeFormat('en', {
      dateStyle: 'long',
      timeStyle: 'short',
      timeZone: 'America/Sao_Paulo',
    }).format(moment);
    await expect.poll(() => first.textContent()).toBe(local);
  });
});

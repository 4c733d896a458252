import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { openBrowser } from '../helpers/browser.ts';
import { linkPassport, newestSignIn } from '../helpers/extranet-admin.ts';
import { addOrganization, addProfile, startIdpAndExtranet } from '../helpers/extranet-flow.ts';
import { expectHeading } from '../helpers/pages.ts';

type Services = Awaited<ReturnType<typeof startIdpAndExtranet>>;
type Browser = Awaited<ReturnType<typeof openBrowser>>;

async function signInAtPassport(page: Page, person: TestPerson, options: { remember?: boolean } = {}) {
  await expectHeading(page, 'Sign in', { exact: true });
  await page.getByLabel('E-mail address').fill(person.email);
  await page.getByLabel('Password', { exact: true }).fill(person.password);
  if (options.remember) await page.getByLabel('Sign me in automatically').check();
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * WCAG's contrast ratio between an element's text colour and the first opaque
 * background behind it, both as the browser computed them.
 */
async function contrastOf(page: Page, selector: string): Promise<number> {
  return page
    .locator(selector)
    .first()
    .evaluate((element) => {
      const parse = (colour: string) => {
        const [r = 0, g = 0, b = 0, a = 1] = (colour.match(/[\d.]+/g) ?? []).map(Number);
        return { rgb: [r, g, b], alpha: a };
      };
      const luminance = ([r, g, b]: number[]) => {
        const [R, G, B] = [r!, g!, b!].map((channel) => {
          const c = channel / 255;
          return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * R! + 0.7152 * G! + 0.0722 * B!;
      };
      const text = parse(getComputedStyle(element).color);
      let background = parse('rgb(255, 255, 255)');
      for (let node: Element | null = element; node; node = node.parentElement) {
        const candidate = parse(getComputedStyle(node).backgroundColor);
        if (candidate.alpha > 0.5) {
          background = candidate;
          break;
        }
      }
      const [light, dark] = [luminance(text.rgb), luminance(background.rgb)].sort((a, b) => b - a);
      return (light! + 0.05) / (dark! + 0.05);
    });
}

async function hasNoHorizontalScroll(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
}

describe('the extranet a person can read and finish, in a real browser', () => {
  let services: Services;
  let browser: Browser;
  let administrator: TestPerson;
  let organizationId: string;

  beforeAll(async () => {
    services = await startIdpAndExtranet();
    browser = await openBrowser();
    organizationId = await addOrganization(services.extranet.db, { name: 'Contoso Pharmaceuticals' });
    const dana = await addProfile(services.extranet.db, {
      organizationId,
      name: 'Dana Buyer',
      email: 'dana@contoso.example',
      isAdmin: true,
    });
    await addProfile(services.extranet.db, {
      organizationId,
      name: 'Robin Averyveryverylongname-Withoutanybreaks',
      email: 'robin.averyveryverylongaddress.withoutanybreaks@contoso-pharmaceuticals.example',
    });
    administrator = await registerPerson(services.idp);
    const page = await browser.page();
    await page.goto(`${services.extranet.url}/auth/sign-in?return=/account`);
    await signInAtPassport(page, administrator, { remember: true });
    await page.waitForURL((url) => url.origin === services.extranet.url);
    await linkPassport(services.extranet.db, await newestSignIn(services.extranet.db), dana);
  });

  afterAll(async () => {
    await browser?.close();
    await services?.close();
  });

  test("My Account's links are readable: not the header's white on the page's white", async () => {
    const page = await browser.page();
    await page.goto(`${services.extranet.url}/account`);
    await expectHeading(page, 'My Account', { exact: true });
    for (const name of ['Personal Profile', 'Our CustomerSource Accounts']) {
      const link = page.getByRole('link', { name, exact: true });
      await link.waitFor();
      expect(await contrastOf(page, `main a:text-is("${name}")`)).toBeGreaterThanOrEqual(4.5);
    }
    // The header's links stay readable on the header.
    expect(await contrastOf(page, 'header nav a')).toBeGreaterThanOrEqual(4.5);
  });

  test('the header says who is signed in and which profile is in use, and marks the current page', async () => {
    const page = await browser.page();
    await page.goto(`${services.extranet.url}/profile`);
    await expectHeading(page, 'Personal Profile', { exact: true });
    const header = (await page.locator('header').textContent()) ?? '';
    expect(header).toContain('Dana Buyer');
    expect(header).toContain('Contoso Pharmaceuticals');
    expect(await page.locator('header [aria-current="page"]').textContent()).toBe('My profile');
    await page.getByRole('link', { name: 'Resources' }).click();
    await expectHeading(page, 'Resources', { exact: true });
    expect(await page.locator('header [aria-current="page"]').textContent()).toBe('Resources');
  });

  test('at 375 px the header and the tables reflow: no page scrolls sideways', async () => {
    const page = await browser.page();
    await page.setViewportSize({ width: 375, height: 740 });
    try {
      for (const [path, heading] of [
        ['/account/profiles', 'Our CustomerSource Accounts'],
        ['/profile', 'Personal Profile'],
        ['/account', 'My Account'],
        ['/resources', 'Resources'],
      ] as const) {
        await page.goto(`${services.extranet.url}${path}`);
        await expectHeading(page, heading, { exact: true });
        expect(await hasNoHorizontalScroll(page), path).toBe(true);
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 720 });
    }
  });

  test('a dark colour scheme follows the system setting and stays readable', async () => {
    const page = await browser.page();
    await page.emulateMedia({ colorScheme: 'dark' });
    try {
      await page.goto(`${services.extranet.url}/account`);
      await expectHeading(page, 'My Account', { exact: true });
      const background = await page
        .locator('main')
        .evaluate((main) => getComputedStyle(main).backgroundColor.match(/\d+/g)!.slice(0, 3).map(Number));
      expect(Math.max(...background)).toBeLessThan(80);
      expect(await contrastOf(page, 'main h1')).toBeGreaterThanOrEqual(4.5);
      expect(await contrastOf(page, 'main p')).toBeGreaterThanOrEqual(4.5);
      expect(await contrastOf(page, 'main a:text-is("Personal Profile")')).toBeGreaterThanOrEqual(4.5);
      expect(await contrastOf(page, 'header nav a')).toBeGreaterThanOrEqual(4.5);
    } finally {
      await page.emulateMedia({ colorScheme: 'light' });
    }
  });

  test("neither service's 404 page says 'undefined'; the extranet's leads on", async () => {
    const page = await browser.page();
    for (const base of [services.extranet.url, services.idp.issuer]) {
      const response = await page.goto(`${base}/no-such-page`);
      expect(response?.status()).toBe(404);
      const text = (await page.locator('body').textContent()) ?? '';
      expect(text).not.toContain('undefined');
      expect(text).toContain('The page you asked for does not exist.');
    }
    await page.goto(`${services.extranet.url}/no-such-page`);
    await page.getByRole('link', { name: 'Return to CustomerSource' }).click();
    await page.waitForURL((url) => url.origin === services.extranet.url && url.pathname !== '/no-such-page');
  });

  test('Back to an old sign-in while signed in leads on to the site', async () => {
    const page = await browser.page();
    // A callback with no sign-in begun in this browser (Back after signing in, an old tab).
    await page.goto(`${services.extranet.url}/auth/callback?code=old&state=old`);
    await expectHeading(page, 'Sign-in failed');
    await page.getByRole('link', { name: 'Return to CustomerSource' }).click();
    await expectHeading(page, 'Resources', { exact: true });
  });

  test('after a browser restart with "Sign me in automatically", opening the site signs the person in without a click', async () => {
    await browser.restart();
    const page = await browser.page();
    await page.goto(`${services.extranet.url}/`);
    await expectHeading(page, 'Resources', { exact: true });
    expect(await page.locator('header').textContent()).toContain('Dana Buyer');
  });

  test('signing out asks once, in honest words; "CustomerSource only" keeps the Passport session and does not sign in again', async () => {
    const page = await browser.page();
    await page.goto(`${services.extranet.url}/resources`);
    await expectHeading(page, 'Resources', { exact: true });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expectHeading(page, 'Sign out', { exact: true });
    expect(await page.getByRole('button', { name: 'Stay signed in' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Sign out of CustomerSource only' }).click();
    await page.waitForURL((url) => url.origin === services.extranet.url);
    await expectHeading(page, 'Welcome to CustomerSource');
    expect(await page.getByRole('status').textContent()).toContain('You have signed out of CustomerSource.');
    // Opening the site again in this browser session does not sign back in behind the person's back.
    await page.goto(`${services.extranet.url}/`);
    await expectHeading(page, 'Welcome to CustomerSource');
    // Passport still knows the person: signing in here again needs no password.
    await page.getByRole('link', { name: 'Sign in with your Passport' }).click();
    await expectHeading(page, 'Resources', { exact: true });
  });

  test('a full sign-out asked for by the site is not asked again at Passport', async () => {
    const page = await browser.page();
    await page.goto(`${services.extranet.url}/resources`);
    await expectHeading(page, 'Resources', { exact: true });
    // The kit's full sign-out: what a site's "Sign out everywhere" button posts.
    await page.evaluate(() => {
      const form = document.createElement('form');
      form.method = 'post';
      form.action = '/auth/sign-out';
      const everywhere = Object.assign(document.createElement('input'), { name: 'everywhere', value: 'yes' });
      form.append(everywhere);
      document.body.append(form);
      form.submit();
    });
    await page.waitForURL((url) => url.origin === services.extranet.url && url.pathname === '/');
    await expectHeading(page, 'Welcome to CustomerSource');
    await page.getByRole('link', { name: 'Sign in with your Passport' }).click();
    // Passport's session ended too: it asks for the password.
    await expectHeading(page, 'Sign in', { exact: true });
  });
});

describe('opening a participating site', () => {
  let services: Services;
  let browser: Browser;

  beforeAll(async () => {
    services = await startIdpAndExtranet();
    browser = await openBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await services?.close();
  });

  test('without a Passport session shows the anonymous page after one round trip, not a loop', async () => {
    const page = await browser.page();
    const trips: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.origin === services.idp.issuer && url.pathname === '/auth') trips.push(url.href);
    });
    await page.goto(`${services.extranet.url}/`);
    await expectHeading(page, 'Welcome to CustomerSource');
    await page.goto(`${services.extranet.url}/`);
    await expectHeading(page, 'Welcome to CustomerSource');
    expect(trips).toHaveLength(1);
    expect(new URL(trips[0]!).searchParams.get('prompt')).toBe('none');
  });

  test('an expired sign-in and a dead link lead an anonymous visitor on to sign in', async () => {
    const page = await browser.page();
    for (const path of ['/auth/callback?code=old&state=old', '/associate/not-a-real-link']) {
      await page.goto(`${services.extranet.url}${path}`);
      expect(await page.getByRole('link', { name: 'Return to CustomerSource' }).count(), path).toBe(1);
      expect(await page.getByRole('link', { name: 'Sign in with your Passport' }).count(), path).toBe(1);
    }
  });

  test('a Passport session started at Passport itself signs the visitor in on the first visit, without a click', async () => {
    const person = await registerPerson(services.idp);
    const other = await openBrowser();
    try {
      const page = await other.page();
      await page.goto(`${services.idp.issuer}/account`);
      await signInAtPassport(page, person);
      await page.waitForURL(`${services.idp.issuer}/account`);
      await page.goto(`${services.extranet.url}/`);
      // Signed in: a Passport not yet associated is asked for its company address.
      await expectHeading(page, 'Associate your Passport with your profile');
    } finally {
      await other.close();
    }
  });
});

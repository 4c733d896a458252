import type { Kysely } from 'kysely';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { cataloguesOf } from '../../relying-party/kit/site.ts';
import { membershipCenter } from '../../relying-party/membership-center/site.ts';
import type { CenterTables } from '../../relying-party/membership-center/tables.ts';
import { expectAccessible } from '../helpers/accessibility.ts';
import { registerPerson } from '../helpers/accounts.ts';
import { openBrowser } from '../helpers/browser.ts';
import { englishLeftovers, untranslatedKeys } from '../helpers/catalogue-keys.ts';
import { startIdpAndSites } from '../helpers/extranet-flow.ts';
import { newIndividual } from '../helpers/membership-center.ts';

type Browser = Awaited<ReturnType<typeof openBrowser>>;
const catalogues = cataloguesOf(membershipCenter);

/** The words each language's pages must show (a heading of each page), from the catalogues. */
const words = (language: 'en' | 'pt-BR') => catalogues.t(language);

describe.each(['en', 'pt-BR'] as const)('every Membership Center page in %s', (language) => {
  let network: Awaited<ReturnType<typeof startIdpAndSites<'center'>>>;
  let browser: Browser;
  const t = words(language);
  const center = () => network.sites.center.url;
  const db = () => network.sites.center.db as unknown as Kysely<CenterTables>;

  beforeAll(async () => {
    network = await startIdpAndSites({ sites: { center: { site: membershipCenter, seedDemoData: true } } });
  }, 60_000);
  afterAll(async () => {
    await network?.close();
  });
  beforeEach(async () => {
    browser = await openBrowser();
  });
  afterEach(async () => browser?.close());

  /** A page as a person sees it: in the language, all words from the catalogues, accessible, fits a phone. */
  async function check(page: Page, name: string) {
    await page.locator('h1').waitFor();
    expect(await page.locator('html').getAttribute('lang'), name).toBe(language);
    const html = await page.content();
    expect(untranslatedKeys(html, catalogues), name).toEqual([]);
    if (language === 'pt-BR') expect(englishLeftovers(html, catalogues, 'pt-BR'), name).toEqual([]);
    await expectAccessible(page, `${name} (${language})`);
    await page.setViewportSize({ width: 360, height: 740 });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow, `${name} fits a phone`).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 800 });
  }

  async function heading(page: Page, text: string) {
    await page.getByRole('heading', { level: 1, name: text, exact: true }).waitFor();
  }

  test('from the front door to enrolment, joining, contacts and the audit, errors included', {
    timeout: 180_000,
  }, async () => {
    const person = await registerPerson(network.idp);
    const page = await browser.page();
    // Not signed in: the front door (Passport has no session, so no silent sign-in) and the About page.
    await page.goto(`${center()}/language?lang=${language}&return=/?passport=skip`);
    await heading(page, t('home.title'));
    await check(page, 'home');
    await page.getByRole('link', { name: t('layout.about'), exact: true }).click();
    await heading(page, t('about.title'));
    await check(page, 'about');

    await page.goto(`${center()}/auth/sign-in?return=/`);
    await page.locator('input[name="email"]').fill(person.email);
    await page.locator('input[name="password"]').fill(person.password);
    await page.locator('form button[type="submit"]').first().click();
    await heading(page, t('profile.new_title'));
    await check(page, 'profile/new');

    // Bad input: the summary and the messages next to the fields; what was typed stays.
    await page.getByLabel(t('fields.name')).fill('Ada Partner');
    await page.getByLabel(t('fields.preferred_email')).fill('ada@hotmail.com');
    await page.getByLabel(t('fields.phone')).fill('call me');
    await page.getByRole('button', { name: t('profile.create') }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.locator('#phone-error').textContent()).toBe(t('form_problems.phone'));
    expect(await page.locator('#country-error').textContent()).toContain(t('fields.country'));
    expect(await page.getByLabel(t('fields.name')).inputValue()).toBe('Ada Partner');
    // A public mail address: the seed's recommendation.
    expect(await page.locator('#company-email').textContent()).toContain(t('company_email.heading'));
    await check(page, 'profile/new with errors');
    await page.getByLabel(t('fields.phone')).fill('+55 11 5555-0101');
    await page.getByLabel(t('fields.country')).selectOption('BR');
    await page.getByRole('button', { name: t('profile.create') }).click();
    await heading(page, t('start.title'));
    await check(page, 'start');

    // Joining the demo organization: the ID, then a location.
    const demo = await db().selectFrom('organizations').select('id').executeTakeFirstOrThrow();
    await page.getByRole('link', { name: t('start.join') }).click();
    await heading(page, t('join.title'));
    await check(page, 'join');
    await page.getByRole('button', { name: t('common.continue') }).click();
    await page.getByRole('alert').waitFor();
    await check(page, 'join with errors');
    await page.getByLabel(t('fields.organization_id')).fill(demo.id);
    await page.getByRole('button', { name: t('common.continue') }).click();
    await heading(page, t('join.location_title'));
    await check(page, 'join location');
    await page.getByRole('button', { name: t('join.submit') }).click();
    await page.getByRole('alert').waitFor();
    await check(page, 'join location with errors');
    await page.getByText('Seattle', { exact: true }).click();
    await page.getByRole('button', { name: t('join.submit') }).click();
    await heading(page, t('start.title'));
    expect(await page.getByRole('status').textContent()).toContain(t('done.asked'));
    // Asked once: enrolling is for someone else in this walk, so the request is withdrawn by hand.
    await db()
      .deleteFrom('join_requests')
      .where('state', '=', 'pending')
      .where(
        'location_id',
        'in',
        db().selectFrom('locations').select('id').where('organization_id', '=', demo.id),
      )
      .where(
        'individual_id',
        'in',
        db().selectFrom('individuals').select('id').where('name', '=', 'Ada Partner'),
      )
      .execute();

    await page.goto(`${center()}/enrol`);
    await heading(page, t('enrol.title'));
    await check(page, 'enrol');
    await page.getByLabel(t('fields.organization_name')).fill('Contoso Partners');
    await page.getByRole('button', { name: t('enrol.submit') }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByLabel(t('fields.organization_name')).inputValue()).toBe('Contoso Partners');
    await check(page, 'enrol with errors');
    await page.getByLabel(t('fields.address')).fill('Rua Augusta 1, São Paulo');
    await page.getByLabel(t('fields.location_1')).fill('São Paulo');
    await page.getByLabel(t('fields.location_2')).fill('Recife');
    await page.getByRole('button', { name: t('enrol.submit') }).click();
    await heading(page, 'Contoso Partners');
    expect(await page.getByRole('status').textContent()).toContain(t('done.enrolled'));
    await check(page, 'organization');

    // Someone asks to join; the Global administrator sees and approves it.
    const organization = await db()
      .selectFrom('organizations')
      .select('id')
      .where('name', '=', 'Contoso Partners')
      .executeTakeFirstOrThrow();
    const recife = await db()
      .selectFrom('locations')
      .select('id')
      .where('name', '=', 'Recife')
      .executeTakeFirstOrThrow();
    const joiner = await newIndividual(network.idp, network.sites.center, { name: 'Jo Joiner' });
    expect((await joiner.post(`/join/${organization.id}`, { location: recife.id })).status).toBe(303);
    await page.reload();
    await check(page, 'organization with a request');
    await page.getByRole('button', { name: t('organization.approve', { name: 'Jo Joiner' }) }).click();
    await page.getByRole('status').waitFor();
    await network.mailbox.waitFor(joiner.person.email);

    await page.getByRole('link', { name: 'Jo Joiner' }).click();
    await heading(page, 'Jo Joiner');
    await check(page, 'contact');
    await page
      .getByRole('button', { name: t('contact.grant', { role: t('roles.technical_contact') }) })
      .click();
    await page.getByRole('status').waitFor();
    await check(page, 'contact after a change');
    await page.getByRole('link', { name: t('contact.remove_link') }).click();
    await heading(page, t('contact.remove_title'));
    await check(page, 'contact remove');
    await page.getByRole('link', { name: t('common.cancel') }).click();

    // The last Global administrator: the refusal on the contact's own page.
    await page.goto(`${center()}/organization`);
    await page.getByRole('link', { name: 'Ada Partner' }).click();
    await page.getByRole('button', { name: t('contact.revoke', { role: t('roles.global_admin') }) }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain(t('errors.last_global_admin.message'));
    await check(page, 'contact with the last administrator refused');

    await page.goto(`${center()}/organization/audit`);
    await heading(page, t('audit.title'));
    await check(page, 'audit');
    await page.getByRole('link', { name: t('layout.profile') }).click();
    await heading(page, t('profile.title'));
    await check(page, 'profile');

    // A page the person has no right to: the refusal is a page too.
    const other = await db()
      .selectFrom('individuals')
      .select('id')
      .where('name', '=', 'Kim Tech')
      .executeTakeFirstOrThrow();
    await page.goto(`${center()}/organization/contacts/${other.id}`);
    await check(page, 'not found');
  });
});

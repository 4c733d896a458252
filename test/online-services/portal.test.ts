import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { newPerson, registerPerson } from '../helpers/accounts.ts';
import { centerSignIn, signInFirstTime, type TestAdministrationCenter } from '../helpers/admin-center.ts';
import { HttpSession } from '../helpers/http-session.ts';
import {
  companyWithTrial,
  getCredentials,
  type OnlineServicesNetwork,
  portalPost,
  signInToPortal,
  staffPerson,
  startOnlineServicesNetwork,
} from '../helpers/online-services.ts';

const PASSWORD_LINE = /Temporary password: (\S+)/;
const USER_NAME_LINE = /User name: (\S+)/;

describe('the Customer Portal', () => {
  let network: OnlineServicesNetwork;

  beforeAll(async () => {
    network = await startOnlineServicesNetwork();
  }, 60_000);
  afterAll(async () => {
    await network?.close();
  });

  test('a person without a company creates one and becomes its purchaser; the trial mails the credentials, which open the Center', async () => {
    const person = await registerPerson(network.idp);
    const { browser, url } = await signInToPortal(network, person);
    expect(url.pathname).toBe('/join');
    const { subscriptionId, companyName } = await companyWithTrial(
      network,
      person,
      'Contoso Trial Co',
      browser,
    );

    const page = await browser.request(`${network.portalUrl}/subscriptions`);
    const html = await page.text();
    expect(html).toContain('Your Subscriptions (Contoso Trial Co)');
    expect(html).toContain('Business Productivity Online Standard Suite');
    expect(html).toContain('Trial');
    expect(html).toContain(`action-${subscriptionId}`);

    const mail = await network.mailbox.waitFor(person.email, {
      subject: /credentials for the Administration Center/,
    });
    const userName = USER_NAME_LINE.exec(mail.Text)?.[1];
    const password = PASSWORD_LINE.exec(mail.Text)?.[1];
    expect(userName).toMatch(/^admin@contoso-trial-co\./);
    expect(password).toBeTruthy();
    expect(mail.Text).toContain(network.centerUrl);
    expect(companyName).toBe('Contoso Trial Co');
    // The mailed credentials sign in to the Center, which asks for a new password first.
    const signedIn = await centerSignIn({ url: network.centerUrl }, userName!, password!);
    expect(signedIn.response.status).toBe(303);
    // The outbox keeps no copy of the password once it is delivered.
    const bodies = await network.db
      .selectFrom('outbox')
      .select('text_body')
      .where('recipient', '=', person.email)
      .execute();
    expect(bodies.every((row) => !row.text_body.includes(password!))).toBe(true);
  });

  test('three retrievals show the password, the fourth shows it blank with the reason; each is audited', async () => {
    const person = await registerPerson(network.idp);
    const { browser, subscriptionId } = await companyWithTrial(network, person);
    const mail = await network.mailbox.waitFor(person.email, { subject: /credentials/ });
    const mailed = PASSWORD_LINE.exec(mail.Text)?.[1];
    for (let retrieval = 1; retrieval <= 3; retrieval++) {
      const shown = await getCredentials(network, browser, subscriptionId);
      expect(shown.status).toBe(200);
      expect(shown.html).toContain('Credentials for Business Productivity Online Standard Suite');
      expect(shown.password).toBe(mailed);
      expect(shown.userName).toMatch(/^admin@/);
      expect(shown.blankReason).toBeUndefined();
    }
    const fourth = await getCredentials(network, browser, subscriptionId);
    expect(fourth.status).toBe(200);
    expect(fourth.password).toBe('');
    expect(fourth.userName).toMatch(/^admin@/);
    expect(fourth.blankReason).toBe('You have used this process to get credentials three times previously.');
    expect(fourth.html).toContain('href="/help/contact-support"');
    expect(fourth.html).toContain(`href="${network.centerUrl}"`);
    const audit = await network.db
      .selectFrom('portal_audit')
      .select(['action', 'detail'])
      .where('subscription_id', '=', subscriptionId)
      .where('action', 'in', ['credentials_shown', 'credentials_blank'])
      .orderBy('at')
      .execute();
    expect(audit.map((row) => `${row.action} ${row.detail}`)).toEqual([
      'credentials_shown 1/3',
      'credentials_shown 2/3',
      'credentials_shown 3/3',
      'credentials_blank exhausted',
    ]);
  });

  test('blank for a second person of the company once the first retrieved it', async () => {
    const purchaser = await registerPerson(network.idp);
    const { browser, subscriptionId } = await companyWithTrial(network, purchaser);
    const colleague = newPerson();
    const added = await portalPost(network, browser, '/people', {
      name: 'Lee Clerk',
      email: colleague.email,
      role: 'billing_admin',
    });
    expect(added.status).toBe(303);
    expect((await getCredentials(network, browser, subscriptionId)).password).not.toBe('');

    await registerPerson(network.idp, colleague);
    const second = await signInToPortal(network, colleague);
    // Named by the purchaser, the colleague's Passport joins the company at the first sign-in.
    expect(second.url.pathname).toBe('/subscriptions');
    const seen = await getCredentials(network, second.browser, subscriptionId);
    expect(seen.password).toBe('');
    expect(seen.blankReason).toBe('Someone else in your company has retrieved these credentials previously.');
    // The first person still has their remaining retrievals.
    expect((await getCredentials(network, browser, subscriptionId)).password).not.toBe('');
  });

  test('blank once the service administrator changed the password and signed in to the Center', async () => {
    const person = await registerPerson(network.idp);
    const { browser, subscriptionId } = await companyWithTrial(network, person);
    const shown = await getCredentials(network, browser, subscriptionId);
    await signInFirstTime(
      { url: network.centerUrl } as TestAdministrationCenter,
      shown.userName,
      shown.password,
      'A-new-Center-passw0rd!',
    );
    const after = await getCredentials(network, browser, subscriptionId);
    expect(after.password).toBe('');
    expect(after.blankReason).toBe(
      'Your service administrator changed their password and signed in to the Administration Center.',
    );
    const stored = await network.db
      .selectFrom('temporary_credentials')
      .innerJoin('admin_users', 'admin_users.id', 'temporary_credentials.admin_user_id')
      .select('temporary_credentials.ciphertext')
      .where('admin_users.user_name', '=', shown.userName)
      .executeTakeFirstOrThrow();
    expect(stored.ciphertext).toBeNull();
  });

  test('a Passport session never opens the Center, and a Center session never opens the portal', async () => {
    const person = await registerPerson(network.idp);
    const { browser, subscriptionId } = await companyWithTrial(network, person);
    // One jar for both ports, as in a browser: the portal's cookies go to the Center too.
    const atCenter = await browser.request(`${network.centerUrl}/`);
    expect(atCenter.status).toBe(303);
    expect(atCenter.headers.get('location')).toMatch(/\/sign-in/);

    const shown = await getCredentials(network, browser, subscriptionId);
    const center = new HttpSession();
    const { response } = await centerSignIn(
      { url: network.centerUrl },
      shown.userName,
      shown.password,
      center,
    );
    expect(response.status).toBe(303);
    const atPortal = await center.request(`${network.portalUrl}/subscriptions`);
    expect(atPortal.status).toBe(303);
    expect(atPortal.headers.get('location')).toMatch(/^\/auth\/sign-in/);
    const action = await center.request(`${network.portalUrl}/subscriptions/${subscriptionId}/actions`, {
      form: { [`action-${subscriptionId}`]: 'get_credentials' },
      headers: { origin: network.portalUrl },
    });
    expect(action.status).toBe(303);
    expect(action.headers.get('location')).toMatch(/^\/auth\/sign-in/);
  });

  test('support staff reset the credentials of a blank password: audited, mailed to the purchaser, retrievable again', async () => {
    const purchaser = await registerPerson(network.idp);
    const { browser, subscriptionId, companyId, companyName } = await companyWithTrial(network, purchaser);
    for (let i = 0; i < 4; i++) await getCredentials(network, browser, subscriptionId);
    expect((await getCredentials(network, browser, subscriptionId)).password).toBe('');

    const staff = await staffPerson(network);
    // The customer's page has no way in to support's pages.
    expect((await browser.request(`${network.portalUrl}/support`)).status).toBe(403);
    const { browser: support, url } = await signInToPortal(network, staff);
    expect(url.pathname).toBe('/support');
    const found = await support.request(
      `${network.portalUrl}/support?name=${encodeURIComponent(companyName)}`,
    );
    expect(await found.text()).toContain(`/support/companies/${companyId}`);
    const companyPage = await (
      await support.request(`${network.portalUrl}/support/companies/${companyId}`)
    ).text();
    expect(companyPage).toContain('retrieved 3 of 3 times');

    // A reset without its support case: refused next to the field, nothing reset.
    const empty = await portalPost(
      network,
      support,
      `/support/companies/${companyId}/subscriptions/${subscriptionId}/reset`,
      { [`ticket-${subscriptionId}`]: '  ' },
    );
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('Support case number is required.');
    expect((await getCredentials(network, browser, subscriptionId)).password).toBe('');

    const before = new Date();
    const reset = await portalPost(
      network,
      support,
      `/support/companies/${companyId}/subscriptions/${subscriptionId}/reset`,
      {
        [`ticket-${subscriptionId}`]: 'SR-1042',
      },
    );
    expect(reset.status).toBe(303);
    const mail = await network.mailbox.waitFor(purchaser.email, { subject: /credentials/, after: before });
    expect(mail.Text).toContain('Support has issued new temporary credentials');
    const fresh = PASSWORD_LINE.exec(mail.Text)?.[1];
    const again = await getCredentials(network, browser, subscriptionId);
    expect(again.password).toBe(fresh);
    const audit = await network.db
      .selectFrom('portal_audit')
      .select(['action', 'detail'])
      .where('subscription_id', '=', subscriptionId)
      .where('action', '=', 'credentials_reset')
      .execute();
    expect(audit).toEqual([{ action: 'credentials_reset', detail: 'SR-1042' }]);
    const centerAudit = await network.db
      .selectFrom('admin_audit')
      .select(['actor_kind', 'actor_name', 'action'])
      .where('actor_kind', '=', 'portal_support')
      .execute();
    expect(centerAudit).toContainEqual({
      actor_kind: 'portal_support',
      actor_name: 'Riley Support',
      action: 'password_reset',
    });
  });

  test('activating the running trial keeps its tenant; activating another product makes its own and mails it', async () => {
    const person = await registerPerson(network.idp);
    const { browser, companyId, subscriptionId } = await companyWithTrial(network, person);
    const tenantsBefore = await network.db.selectFrom('tenants').select('subscription_id').execute();
    const converted = await portalPost(network, browser, '/subscriptions/activate', {
      product: 'bpos_standard',
      licenses: '40',
      order_reference: 'PO-1',
      accept: 'yes',
    });
    expect(converted.status).toBe(303);
    expect(converted.headers.get('location')).toBe('/subscriptions?done=converted');
    const trial = await network.db
      .selectFrom('subscriptions')
      .select(['kind', 'licenses', 'order_reference'])
      .where('id', '=', subscriptionId)
      .executeTakeFirstOrThrow();
    expect(trial).toEqual({ kind: 'paid', licenses: 40, order_reference: 'PO-1' });
    expect(await network.db.selectFrom('tenants').select('subscription_id').execute()).toHaveLength(
      tenantsBefore.length,
    );

    const before = new Date();
    const paid = await portalPost(network, browser, '/subscriptions/activate', {
      product: 'exchange_online_standard',
      licenses: '5',
      accept: 'yes',
    });
    expect(paid.status).toBe(303);
    const mail = await network.mailbox.waitFor(person.email, {
      subject: /Exchange Online Standard/,
      after: before,
    });
    expect(mail.Text).toContain('has started');
    const exchange = await network.db
      .selectFrom('subscriptions')
      .innerJoin('tenants', 'tenants.subscription_id', 'subscriptions.id')
      .innerJoin('tenant_services', 'tenant_services.tenant_id', 'tenants.id')
      .select(['subscriptions.kind', 'tenant_services.service_key'])
      .where('subscriptions.company_id', '=', companyId)
      .where('subscriptions.product', '=', 'exchange_online_standard')
      .execute();
    expect(exchange).toEqual([{ kind: 'paid', service_key: 'exchange_online' }]);
  });
});

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registerPerson } from '../helpers/accounts.ts';
import {
  companyWithTrial,
  type OnlineServicesNetwork,
  portalPost,
  signInToPortal,
  startOnlineServicesNetwork,
} from '../helpers/online-services.ts';

/** Counts of every table a refused form could have written to. */
async function counts(network: OnlineServicesNetwork) {
  const count = async (
    table: 'companies' | 'members' | 'subscriptions' | 'tenants' | 'outbox' | 'portal_audit',
  ) =>
    Number(
      (
        await network.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    companies: await count('companies'),
    members: await count('members'),
    subscriptions: await count('subscriptions'),
    tenants: await count('tenants'),
    outbox: await count('outbox'),
    audit: await count('portal_audit'),
  };
}

describe('bad input on every portal form: a clear message, a 4xx, nothing stored', () => {
  let network: OnlineServicesNetwork;

  beforeAll(async () => {
    network = await startOnlineServicesNetwork();
  }, 60_000);
  afterAll(async () => {
    await network?.close();
  });

  test('the company form', async () => {
    const person = await registerPerson(network.idp);
    const { browser } = await signInToPortal(network, person);
    const before = await counts(network);
    const empty = await portalPost(network, browser, '/join', {
      your_name: '',
      company_name: '',
      country: '',
    });
    expect(empty.status).toBe(400);
    const html = await empty.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain('Company name is required.');
    expect(html).toContain('Choose a country or region from the list.');
    const wrong = await portalPost(network, browser, '/join', {
      your_name: 'Dana',
      company_name: 'Contoso\u202Egnp',
      country: 'ZZ',
    });
    expect(wrong.status).toBe(400);
    const kept = await portalPost(network, browser, '/join', {
      your_name: 'Dana Buyer',
      company_name: 'Kept Co',
      country: 'XX',
    });
    expect(kept.status).toBe(400);
    expect(await kept.text()).toContain('value="Kept Co"');
    expect(await counts(network)).toEqual(before);
  });

  test('the trial, activation, actions and people forms', async () => {
    const person = await registerPerson(network.idp);
    const { browser, subscriptionId } = await companyWithTrial(network, person);
    const before = await counts(network);

    const trial = await portalPost(network, browser, '/subscriptions/trial', {
      trial_product: 'office_2030',
    });
    expect(trial.status).toBe(400);
    expect(await trial.text()).toContain('Choose a product from the list.');
    // A second trial of the same product: refused next to the field.
    const again = await portalPost(network, browser, '/subscriptions/trial', {
      trial_product: 'bpos_standard',
    });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('Your company already has a subscription to this product.');

    const activation = await portalPost(network, browser, '/subscriptions/activate', {
      product: 'exchange_online_standard',
      licenses: '0',
      order_reference: 'PO-77',
    });
    expect(activation.status).toBe(400);
    const activationPage = await activation.text();
    expect(activationPage).toContain('Enter a number of user licenses from 1 to 10,000.');
    expect(activationPage).toContain('To activate the subscription, accept the subscription terms.');
    expect(activationPage).toContain('value="PO-77"');
    const letters = await portalPost(network, browser, '/subscriptions/activate', {
      product: 'exchange_online_standard',
      licenses: 'ten',
      accept: 'yes',
    });
    expect(letters.status).toBe(400);
    expect(await letters.text()).toContain('Enter the number of user licenses in digits.');

    const action = await portalPost(network, browser, `/subscriptions/${subscriptionId}/actions`, {
      [`action-${subscriptionId}`]: 'delete_everything',
    });
    expect(action.status).toBe(400);
    expect(await action.text()).toContain('Choose an action from the list.');
    const elsewhere = await portalPost(network, browser, '/subscriptions/not-an-id/actions', {
      'action-not-an-id': 'get_credentials',
    });
    expect(elsewhere.status).toBe(404);
    const unknown = crypto.randomUUID();
    const notOurs = await portalPost(network, browser, `/subscriptions/${unknown}/actions`, {
      [`action-${unknown}`]: 'get_credentials',
    });
    expect(notOurs.status).toBe(404);

    const people = await portalPost(network, browser, '/people', {
      name: 'Lee',
      email: 'not-an-address',
      role: 'owner',
    });
    expect(people.status).toBe(400);
    const peoplePage = await people.text();
    expect(peoplePage).toContain('Choose a role from the list.');
    expect(peoplePage).toContain('value="not-an-address"');
    const taken = await portalPost(network, browser, '/people', {
      name: 'Me again',
      email: person.email,
      role: 'purchaser',
    });
    expect(taken.status).toBe(400);
    expect(await taken.text()).toContain('already a member of a company');

    expect(await counts(network)).toEqual({ ...before, audit: before.audit });
  });

  test('support forms refuse customers and empty cases', async () => {
    const person = await registerPerson(network.idp);
    const { browser, companyId, subscriptionId } = await companyWithTrial(network, person);
    const refused = await portalPost(
      network,
      browser,
      `/support/companies/${companyId}/subscriptions/${subscriptionId}/reset`,
      {
        [`ticket-${subscriptionId}`]: 'SR-1',
      },
    );
    expect(refused.status).toBe(403);
    expect((await browser.request(`${network.portalUrl}/support?name=Contoso`)).status).toBe(403);
  });
});

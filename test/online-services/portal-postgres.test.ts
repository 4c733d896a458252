import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { newPerson, registerPerson } from '../helpers/accounts.ts';
import {
  companyWithTrial,
  getCredentials,
  type OnlineServicesNetwork,
  portalPost,
  signInToPortal,
  startOnlineServicesNetwork,
} from '../helpers/online-services.ts';

describe('Get credentials on PostgreSQL: racing retrievals', () => {
  let network: OnlineServicesNetwork;

  beforeAll(async () => {
    network = await startOnlineServicesNetwork({ store: 'postgres' });
  }, 60_000);
  afterAll(async () => {
    await network?.close();
  });

  test('two racing retrievals at the third: exactly one sees the password', async () => {
    for (let round = 0; round < 3; round++) {
      const person = await registerPerson(network.idp);
      const { browser, subscriptionId } = await companyWithTrial(network, person);
      await getCredentials(network, browser, subscriptionId);
      await getCredentials(network, browser, subscriptionId);
      const racing = await Promise.all([
        getCredentials(network, browser, subscriptionId),
        getCredentials(network, browser, subscriptionId),
      ]);
      expect(racing.map((page) => page.status)).toEqual([200, 200]);
      const shown = racing.filter((page) => page.password !== '');
      expect(shown).toHaveLength(1);
      expect(racing.find((page) => page.password === '')?.blankReason).toBe(
        'You have used this process to get credentials three times previously.',
      );
      const stored = await network.db
        .selectFrom('temporary_credentials')
        .innerJoin('admin_users', 'admin_users.id', 'temporary_credentials.admin_user_id')
        .select('temporary_credentials.retrievals')
        .where('admin_users.user_name', '=', shown[0]!.userName)
        .executeTakeFirstOrThrow();
      expect(stored.retrievals).toBe(3);
    }
  });

  test('two people of the company racing for the first retrieval: exactly one sees the password', async () => {
    const purchaser = await registerPerson(network.idp);
    const { browser, subscriptionId } = await companyWithTrial(network, purchaser);
    const colleague = newPerson();
    await portalPost(network, browser, '/people', { name: 'Lee', email: colleague.email, role: 'purchaser' });
    await registerPerson(network.idp, colleague);
    const second = await signInToPortal(network, colleague);
    const racing = await Promise.all([
      getCredentials(network, browser, subscriptionId),
      getCredentials(network, second.browser, subscriptionId),
    ]);
    expect(racing.filter((page) => page.password !== '')).toHaveLength(1);
    expect(racing.find((page) => page.password === '')?.blankReason).toBe(
      'Someone else in your company has retrieved these credentials previously.',
    );
  });
});

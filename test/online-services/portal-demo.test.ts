import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { newPerson, registerPerson } from '../helpers/accounts.ts';
import {
  getCredentials,
  type OnlineServicesNetwork,
  signInToPortal,
  startOnlineServicesNetwork,
} from '../helpers/online-services.ts';

describe("the README's walk of seed 004 on the demo data", () => {
  let network: OnlineServicesNetwork;

  beforeAll(async () => {
    network = await startOnlineServicesNetwork({ seedDemoData: true });
  }, 60_000);
  afterAll(async () => {
    await network?.close();
  });

  test("Dana's Passport becomes Contoso's purchaser, with a running trial whose credentials she can get", async () => {
    const dana = await registerPerson(network.idp, { ...newPerson(), email: 'dana@contoso.example' });
    const { browser, url, response } = await signInToPortal(network, dana);
    expect(url.pathname).toBe('/subscriptions');
    const page = await response.text();
    expect(page).toContain('Your Subscriptions (Contoso Pharmaceuticals)');
    expect(page).toContain('Business Productivity Online Standard Suite');
    const subscriptionId = /action-([0-9a-f-]{36})/.exec(page)?.[1];
    const shown = await getCredentials(network, browser, subscriptionId!);
    expect(shown.userName).toBe('admin@contoso-pharmaceuticals.onlineservices.example');
    expect(shown.password).not.toBe('');

    const support = await registerPerson(network.idp, {
      ...newPerson(),
      email: 'support@onlineservices.example',
    });
    const staff = await signInToPortal(network, support);
    expect(staff.url.pathname).toBe('/support');
  });
});

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { grantRole } from '../../relying-party/kit/roles/repository.ts';
import { kitOf } from '../../relying-party/online-services/portal/tables.ts';
import { newPerson, registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { centerSignIn, post, signInFirstTime } from '../helpers/admin-center.ts';
import { HttpSession } from '../helpers/http-session.ts';
import {
  companyWithTrial,
  getCredentials,
  type OnlineServicesNetwork,
  portalPost,
  signInToPortal,
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
});

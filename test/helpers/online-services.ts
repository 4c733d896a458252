import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { grantRole } from '../../relying-party/kit/roles/repository.ts';
import { definePortal } from '../../relying-party/online-services/portal/site.ts';
import { kitOf, type PortalDatabase } from '../../relying-party/online-services/portal/tables.ts';
import { startOnlineServices } from '../../relying-party/online-services/server.ts';
import { newPerson, registerPerson, type TestPerson } from './accounts.ts';
import { followThroughPassport } from './extranet-flow.ts';
import { HttpSession } from './http-session.ts';
import { type Store, startTestIdp } from './idp.ts';
import { freePort } from './ports.ts';
import { createPostgresDatabase } from './postgres.ts';
import { reserveSite, testSecretOf } from './relying-party.ts';

/**
 * A real IdP and Online Services as one process runs it (server.ts): the Customer
 * Portal registered with the IdP, the Administration Center on its own port, one
 * database (SQLite, or PostgreSQL with `store`), all mail into the IdP's dev mailbox.
 */
export async function startOnlineServicesNetwork(
  options: { store?: Store; seedDemoData?: boolean; env?: Record<string, string> } = {},
) {
  const site = definePortal({});
  const reserved = await reserveSite(site);
  const centerUrl = `http://localhost:${await freePort()}`;
  const idp = await startTestIdp({ clients: [reserved.client] });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'passport-os-'));
  const postgres = options.store === 'postgres' ? await createPostgresDatabase() : undefined;
  const cleanup = async () => {
    await idp.close();
    await postgres?.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const services = await startOnlineServices({
      logger: false,
      seedDemoData: options.seedDemoData,
      env: {
        DATA_DIR: dataDir,
        OS_URL: reserved.url,
        OS_ADMIN_URL: centerUrl,
        OS_ISSUER: idp.issuer,
        OS_CLIENT_ID: site.settings.clientId,
        OS_CLIENT_SECRET: testSecretOf(site),
        SMTP_URL: idp.config.mail.smtpUrl!,
        LOG_LEVEL: 'silent',
        ...(postgres ? { OS_DATABASE_URL: postgres.url } : {}),
        ...options.env,
      },
    });
    return {
      idp,
      mailbox: idp.mailbox,
      services,
      portalUrl: reserved.url,
      centerUrl,
      db: services.db as PortalDatabase,
      async close() {
        await services.close();
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

export type OnlineServicesNetwork = Awaited<ReturnType<typeof startOnlineServicesNetwork>>;

/** Signs in to the portal over HTTP; lands where the portal sends the person (join or subscriptions). */
export async function signInToPortal(
  network: OnlineServicesNetwork,
  person: TestPerson,
  browser = new HttpSession(),
) {
  const flow = await followThroughPassport(browser, `${network.portalUrl}/auth/sign-in?return=/`, person);
  return { browser, ...flow };
}

/** A form post from the portal's own pages (browsers name our origin). */
export function portalPost(
  network: OnlineServicesNetwork,
  browser: HttpSession,
  pathname: string,
  form: Record<string, string>,
) {
  return browser.request(`${network.portalUrl}${pathname}`, { form, headers: { origin: network.portalUrl } });
}

/** A new company of `person`, its purchaser, with a started trial of the suite; returns its subscription id. */
export async function companyWithTrial(
  network: OnlineServicesNetwork,
  person: TestPerson,
  companyName = `Contoso ${Math.random().toString(36).slice(2, 8)}`,
  signedIn?: HttpSession,
) {
  const browser = signedIn ?? (await signInToPortal(network, person)).browser;
  const joined = await portalPost(network, browser, '/join', {
    your_name: 'Dana Buyer',
    company_name: companyName,
    country: 'US',
  });
  if (joined.status !== 303) throw new Error(`join answered ${joined.status}: ${await joined.text()}`);
  const trial = await portalPost(network, browser, '/subscriptions/trial', {
    trial_product: 'bpos_standard',
  });
  if (trial.status !== 303) throw new Error(`trial answered ${trial.status}: ${await trial.text()}`);
  const company = await network.db
    .selectFrom('companies')
    .select('id')
    .where('name', '=', companyName)
    .executeTakeFirstOrThrow();
  const subscription = await network.db
    .selectFrom('subscriptions')
    .select('id')
    .where('company_id', '=', company.id)
    .executeTakeFirstOrThrow();
  return { browser, companyId: company.id, subscriptionId: subscription.id, companyName };
}

/** "Get credentials" and Go: the page's user name and password (empty when blank), and the blank reason's text. */
export async function getCredentials(
  network: OnlineServicesNetwork,
  browser: HttpSession,
  subscriptionId: string,
) {
  const response = await portalPost(network, browser, `/subscriptions/${subscriptionId}/actions`, {
    [`action-${subscriptionId}`]: 'get_credentials',
  });
  const html = await response.text();
  return {
    status: response.status,
    html,
    userName: /<output id="user-name"[^>]*>([^<]*)<\/output>/.exec(html)?.[1] ?? '',
    password: /<output id="password"[^>]*>([^<]*)<\/output>/.exec(html)?.[1] ?? '',
    blankReason: /<p id="blank-reason">([^<]*)<\/p>/.exec(html)?.[1],
  };
}

/** A person of the staff organization with the portal's support role, named by e-mail, with a Passport. */
export async function staffPerson(network: OnlineServicesNetwork): Promise<TestPerson> {
  const person = newPerson();
  const companyId = randomUUID();
  const memberId = randomUUID();
  const now = Date.now();
  await network.db
    .insertInto('companies')
    .values({ id: companyId, name: 'Online Services Support', country: 'US', kind: 'staff', created_at: now })
    .execute();
  await network.db
    .insertInto('members')
    .values({
      id: memberId,
      company_id: companyId,
      issuer: null,
      subject: null,
      email: person.email,
      name: 'Riley Support',
      language: 'en',
      created_at: now,
    })
    .execute();
  await grantRole(kitOf(network.db), {
    memberId,
    organizationId: companyId,
    roleKey: 'support',
    grantedBy: null,
  });
  return registerPerson(network.idp, person);
}

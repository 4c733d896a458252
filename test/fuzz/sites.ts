import { membershipCenter } from '../../relying-party/membership-center/site.ts';
import { adminCenterCatalogues } from '../../relying-party/online-services/locales/admin/catalogues.ts';
import { LANGUAGES } from '../../shared/i18n/languages.ts';
import { newPerson, registerPerson } from '../helpers/accounts.ts';
import { centerSignIn } from '../helpers/admin-center.ts';
import { startIdpAndSites } from '../helpers/extranet-flow.ts';
import { HttpSession } from '../helpers/http-session.ts';
import type { Store } from '../helpers/idp.ts';
import {
  centerDb,
  enrol,
  individualOf,
  joinAndApprove,
  locationsOf,
  newIndividual,
  signInToCenter,
} from '../helpers/membership-center.ts';
import {
  companyWithTrial,
  getCredentials,
  signInToPortal,
  staffPerson,
  startOnlineServicesNetwork,
} from '../helpers/online-services.ts';
import type { FuzzService, FuzzTarget, Prepared } from './harness.ts';

/**
 * The sites built on the kit, each on its own IdP as their own tests start them:
 * the Partner Membership Center, and Online Services (the Customer Portal and the
 * Administration Center, one process and one database).
 */
export type SiteFuzzServices = Awaited<ReturnType<typeof startSiteFuzzServices>>;

const THROTTLE_REASON = 'the guard counts refusals: that is how it throttles';
const SESSIONS_REASON = 'a sign-in through Passport (the target preparing its page) opens a session';

export async function startSiteFuzzServices(options: { store?: Store } = {}) {
  const centerNetwork = await startIdpAndSites({
    sites: { center: { site: membershipCenter } },
    store: options.store,
  });
  const online = await startOnlineServicesNetwork({ store: options.store }).catch(async (error: unknown) => {
    await centerNetwork.close();
    throw error;
  });
  const center = centerNetwork.sites.center;
  const kitRecords = {
    throttle_counters: THROTTLE_REASON,
    sessions: SESSIONS_REASON,
  };
  const membership: FuzzService = {
    name: 'membership-center',
    url: center.url,
    // biome-ignore lint/suspicious/noExplicitAny: compared table by table like every other service.
    db: centerDb(center) as any,
    refusalRecords: kitRecords,
    countOnly: { outbox: 'the mail worker marks rows delivered at any moment' },
  };
  // biome-ignore lint/suspicious/noExplicitAny: compared table by table like every other service.
  const onlineDb = online.db as any;
  const portal: FuzzService = {
    name: 'online-services-portal',
    url: online.portalUrl,
    db: onlineDb,
    refusalRecords: kitRecords,
    countOnly: { outbox: 'the mail worker marks rows delivered at any moment' },
  };
  const adminCenter: FuzzService = {
    name: 'admin-center',
    url: online.centerUrl,
    db: onlineDb,
    refusalRecords: {
      ...kitRecords,
    },
    countOnly: {
      outbox: 'the mail worker marks rows delivered at any moment',
      admin_sessions: "every signed-in request moves its session's idle deadline on, refused or not",
    },
    churn: {
      outbox: {
        column: 'subject',
        values: LANGUAGES.map((language) => adminCenterCatalogues.t(language)('mail.lockout.subject')),
        why: 'the guard tells the owner when wrong passwords lock the account: a refusal that mails by design',
      },
      admin_audit: {
        column: 'action',
        values: ['sign_in_throttled'],
        why: "the lockout that mail announces is on the tenant's audit log too",
      },
    },
  };
  return {
    centerNetwork,
    online,
    membership,
    portal,
    adminCenter,
    async close() {
      await online.close();
      await centerNetwork.close();
    },
  };
}

function form(
  service: FuzzService,
  name: string,
  fields: readonly string[],
  prepare: () => Promise<Prepared>,
): FuzzTarget {
  return { name: `${service.name} POST ${name}`, service, method: 'POST', carrier: 'form', fields, prepare };
}

/** Something costly to make, made again once `alive` says it is spent. */
function kept<T>(make: () => Promise<T>, alive: (value: T) => Promise<boolean>) {
  let current: Promise<T> | undefined;
  return async () => {
    if (current && (await alive(await current).catch(() => false))) return current;
    current = make();
    return current;
  };
}

async function answers(browser: HttpSession, url: string) {
  const response = await browser.request(url);
  await response.arrayBuffer();
  return response.status === 200;
}

export function siteFuzzTargets(services: SiteFuzzServices): FuzzTarget[] {
  const { centerNetwork, online, membership, portal, adminCenter } = services;
  const center = centerNetwork.sites.center;
  const idp = centerNetwork.idp;

  // The Membership Center: an organization administrator with a location, and a new Passport with no profile yet.
  const orgAdmin = kept(
    async () => {
      const user = await newIndividual(idp, center);
      await enrol(user);
      const individual = await individualOf(center, user);
      const organizationId = individual.organization_id as string;
      const [location] = await locationsOf(center, organizationId);
      return { user, organizationId, locationId: location!.id };
    },
    ({ user }) => answers(user.browser, `${center.url}/organization`),
  );
  const noProfile = kept(
    async () => (await signInToCenter(center, await registerPerson(idp))).user,
    (user) => answers(user.browser, `${center.url}/profile/new`),
  );
  const unattached = kept(
    () => newIndividual(idp, center),
    (user) => answers(user.browser, `${center.url}/join`),
  );
  const centerAt = (path: string, browser: HttpSession, values: Record<string, string>): Prepared => ({
    url: `${center.url}${path}`,
    browser,
    values,
  });
  const pendingRequest = async () => {
    const admin = await orgAdmin();
    const asking = await newIndividual(idp, center);
    await asking.post(`/join/${admin.organizationId}`, { location: admin.locationId });
    const individual = await individualOf(center, asking);
    const request = await centerDb(center)
      .selectFrom('join_requests')
      .select('id')
      .where('individual_id', '=', individual.id)
      .executeTakeFirstOrThrow();
    return { admin, id: request.id };
  };
  const contact = async () => {
    const admin = await orgAdmin();
    const joining = await newIndividual(idp, center);
    const joined = await joinAndApprove(center, admin.user, joining, admin.organizationId, admin.locationId);
    return { admin, id: joined.id };
  };

  // The Customer Portal: a purchaser with a company and a trial.
  const purchaser = kept(
    async () => {
      const person = await registerPerson(online.idp);
      return { person, ...(await companyWithTrial(online, person)) };
    },
    ({ browser }) => answers(browser, `${online.portalUrl}/subscriptions`),
  );
  const portalVisitor = kept(
    async () => {
      const browser = new HttpSession();
      await signInToPortal(online, await registerPerson(online.idp), browser);
      return browser;
    },
    (browser) => answers(browser, `${online.portalUrl}/join`),
  );
  const staff = kept(
    async () => (await signInToPortal(online, await staffPerson(online))).browser,
    (browser) => answers(browser, `${online.portalUrl}/support`),
  );
  const portalAt = (path: string, browser: HttpSession, values: Record<string, string>): Prepared => ({
    url: `${online.portalUrl}${path}`,
    browser,
    values,
  });

  // The Administration Center: a tenant's administrator, signed in past the first-time steps.
  // A new company's tenant, its service administrator signed in past the forced password change.
  const freshTenant = async () => {
    const person = await registerPerson(online.idp);
    const { browser, subscriptionId } = await companyWithTrial(online, person);
    const credentials = await getCredentials(online, browser, subscriptionId);
    const chosen = `Fuzz-admin-${Math.random().toString(36).slice(2)}-Aa1!`;
    const { session } = await centerSignIn(
      { url: online.centerUrl },
      credentials.userName,
      credentials.password,
    );
    await post(session, '/password', {
      current_password: credentials.password,
      new_password: chosen,
      retype_password: chosen,
    });
    return { session, userName: credentials.userName, chosen };
  };
  const tenantAdmin = kept(
    async () => {
      const { session, userName, chosen } = await freshTenant();
      const tag = Math.random().toString(36).slice(2, 8);
      // The company's own administrator: the sign-in target fuzzes against this name, so the guard locks only it.
      await post(session, '/administrator/new', {
        user_name: `own${tag}`,
        display_name: 'Fuzz Own Admin',
        contact_email: '',
        new_password: chosen,
        retype_password: chosen,
      });
      const user = await online.db
        .selectFrom('admin_users')
        .select(['id', 'tenant_id'])
        .where('user_name', '=', userName.toLowerCase())
        .executeTakeFirstOrThrow();
      return { session, user, ownName: `own${tag}@${userName.split('@')[1]}` };
    },
    ({ session }) => answers(session, `${online.centerUrl}/users`),
  );
  const withoutOwnAdministrator = kept(freshTenant, ({ session }) =>
    answers(session, `${online.centerUrl}/administrator/new`),
  );
  const post = (session: HttpSession, path: string, values: Record<string, string>) =>
    session
      .request(`${online.centerUrl}${path}`, { form: values, headers: { origin: online.centerUrl } })
      .then(async (response) => {
        await response.arrayBuffer();
        return response;
      });
  const aUser = async () => {
    const admin = await tenantAdmin();
    const tag = Math.random().toString(36).slice(2, 8);
    await post(admin.session, '/users', {
      user_name: `u${tag}`,
      display_name: 'Fuzz User',
      contact_email: '',
      role: 'user',
    });
    const user = await online.db
      .selectFrom('admin_users')
      .select('id')
      .where('tenant_id', '=', admin.user.tenant_id)
      .where('display_name', '=', 'Fuzz User')
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    return { admin, id: user.id };
  };
  const adminAt = (path: string, session: HttpSession, values: Record<string, string>): Prepared => ({
    url: `${online.centerUrl}${path}`,
    browser: session,
    values,
  });

  return [
    // Partner Membership Center.
    form(membership, '/profile/new', ['name', 'email', 'phone', 'country'], async () =>
      centerAt('/profile/new', (await noProfile()).browser, {
        name: 'Fuzz Partner',
        email: newPerson().email,
        phone: '+55 11 5555-0101',
        country: 'BR',
      }),
    ),
    form(membership, '/profile', ['name', 'email', 'phone', 'country'], async () =>
      centerAt('/profile', (await orgAdmin()).user.browser, {
        name: 'Fuzz Partner',
        email: newPerson().email,
        phone: '+55 11 5555-0101',
        country: 'PT',
      }),
    ),
    form(membership, '/enrol', ['name', 'address', 'location_1', 'location_2', 'location_3'], async () =>
      centerAt('/enrol', (await unattached()).browser, {
        name: `Fuzz Org ${Math.random().toString(36).slice(2)}`,
        address: 'Rua Augusta 1',
        location_1: 'São Paulo',
        location_2: '',
        location_3: '',
      }),
    ),
    form(membership, '/join', ['organization_id'], async () =>
      centerAt('/join', (await unattached()).browser, { organization_id: (await orgAdmin()).organizationId }),
    ),
    form(membership, '/join/:id', ['path:id', 'location'], async () => {
      const admin = await orgAdmin();
      return centerAt('/join/{id}', (await unattached()).browser, {
        'path:id': admin.organizationId,
        location: admin.locationId,
      });
    }),
    form(membership, '/organization/requests/:id', ['path:id', 'decision'], async () => {
      const { admin, id } = await pendingRequest();
      return centerAt('/organization/requests/{id}', admin.user.browser, {
        'path:id': id,
        decision: 'decline',
      });
    }),
    form(membership, '/organization/contacts/:id/roles', ['path:id', 'role', 'change'], async () => {
      const { admin, id } = await contact();
      return centerAt('/organization/contacts/{id}/roles', admin.user.browser, {
        'path:id': id,
        role: 'location_admin',
        change: 'grant',
      });
    }),
    form(membership, '/organization/contacts/:id/remove', ['path:id'], async () => {
      const { admin, id } = await contact();
      return centerAt('/organization/contacts/{id}/remove', admin.user.browser, { 'path:id': id });
    }),
    form(membership, '/auth/sign-out', ['everywhere'], async () =>
      centerAt('/auth/sign-out', (await signInToCenter(center, await registerPerson(idp))).user.browser, {
        everywhere: 'no',
      }),
    ),
    form(membership, '/auth/backchannel-logout', ['logout_token'], async () => ({
      url: `${center.url}/auth/backchannel-logout`,
      values: { logout_token: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln' },
    })),

    // Online Services Customer Portal.
    form(portal, '/join', ['your_name', 'company_name', 'country'], async () =>
      portalAt('/join', await portalVisitor(), {
        your_name: 'Dana Buyer',
        company_name: `Fuzz Co ${Math.random().toString(36).slice(2)}`,
        country: 'US',
      }),
    ),
    form(portal, '/people', ['name', 'email', 'role'], async () =>
      portalAt('/people', (await purchaser()).browser, {
        name: 'Fuzz Billing',
        email: newPerson().email,
        role: 'billing_admin',
      }),
    ),
    form(portal, '/subscriptions/trial', ['trial_product'], async () =>
      portalAt('/subscriptions/trial', (await purchaser()).browser, { trial_product: 'bpos_standard' }),
    ),
    form(portal, '/subscriptions/activate', ['product', 'licenses', 'order_reference', 'accept'], async () =>
      portalAt('/subscriptions/activate', (await purchaser()).browser, {
        product: 'bpos_standard',
        licenses: '5',
        order_reference: 'PO-1',
        accept: 'on',
      }),
    ),
    form(portal, '/subscriptions/:id/actions', ['path:id', 'action'], async () => {
      const { browser, subscriptionId } = await purchaser();
      return portalAt('/subscriptions/{id}/actions', browser, {
        'path:id': subscriptionId,
        [`action-${subscriptionId}`]: 'get_credentials',
      });
    }),

    form(
      portal,
      '/support/companies/:id/subscriptions/:subscription/reset',
      ['path:id', 'path:subscription'],
      async () => {
        const { companyId, subscriptionId } = await purchaser();
        return portalAt('/support/companies/{id}/subscriptions/{subscription}/reset', await staff(), {
          'path:id': companyId,
          'path:subscription': subscriptionId,
          [`ticket-${subscriptionId}`]: 'SR-1234',
        });
      },
    ),
    form(portal, '/auth/sign-out', ['everywhere'], async () =>
      portalAt('/auth/sign-out', (await signInToPortal(online, await registerPerson(online.idp))).browser, {
        everywhere: 'no',
      }),
    ),
    form(portal, '/auth/backchannel-logout', ['logout_token'], async () => ({
      url: `${online.portalUrl}/auth/backchannel-logout`,
      values: { logout_token: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln' },
    })),

    // Online Services Administration Center.
    form(adminCenter, '/sign-in', ['user_name', 'password'], async () => ({
      url: `${online.centerUrl}/sign-in`,
      browser: new HttpSession(),
      values: { user_name: (await tenantAdmin()).ownName, password: 'Not-the-password-1!' },
    })),
    form(adminCenter, '/sign-out', [], async () => ({
      url: `${online.centerUrl}/sign-out`,
      browser: new HttpSession(),
      values: {},
    })),
    form(
      adminCenter,
      '/administrator/new',
      ['user_name', 'display_name', 'contact_email', 'new_password', 'retype_password'],
      async () =>
        adminAt('/administrator/new', (await withoutOwnAdministrator()).session, {
          user_name: `own${Math.random().toString(36).slice(2, 8)}`,
          display_name: 'Fuzz Own Admin',
          contact_email: '',
          new_password: 'Fuzz-own-password-1!',
          retype_password: 'Fuzz-own-password-1!',
        }),
    ),
    form(adminCenter, '/password', ['current_password', 'new_password', 'retype_password'], async () => {
      const admin = await tenantAdmin();
      return adminAt('/password', admin.session, {
        current_password: 'Not-the-password-1!',
        new_password: 'Fuzz-new-password-1!',
        retype_password: 'Fuzz-new-password-1!',
      });
    }),
    form(adminCenter, '/users', ['user_name', 'display_name', 'contact_email', 'role'], async () =>
      adminAt('/users', (await tenantAdmin()).session, {
        user_name: `n${Math.random().toString(36).slice(2, 8)}`,
        display_name: 'Fuzz New',
        contact_email: '',
        role: 'user',
      }),
    ),
    ...(['reset-password', 'disable', 'enable'] as const).map((action) =>
      form(adminCenter, `/users/:id/${action}`, ['path:id'], async () => {
        const { admin, id } = await aUser();
        return adminAt(`/users/{id}/${action}`, admin.session, { 'path:id': id });
      }),
    ),
    form(adminCenter, '/settings', ['company_name', 'contact_email', 'language', 'time_zone'], async () =>
      adminAt('/settings', (await tenantAdmin()).session, {
        company_name: 'Fuzz Tenant',
        contact_email: '',
        language: 'en',
        time_zone: 'UTC',
      }),
    ),
    form(adminCenter, '/services/:key', ['path:key', 'enabled'], async () =>
      adminAt('/services/{key}', (await tenantAdmin()).session, {
        'path:key': 'exchange_online',
        enabled: 'yes',
      }),
    ),
  ];
}

import { randomUUID } from 'node:crypto';
import type { LogConfig } from 'kysely';
import { ACR_PASSWORD } from '../../idp/oidc/acr.ts';
import {
  CUSTOMERSOURCE_ROLES,
  type OrganizationKind,
  type RelyingPartyDatabase,
  type ServicePlan,
} from '../../relying-party/customersource/database.ts';
import { grantRole, rolesOf } from '../../relying-party/kit/roles/repository.ts';
import { kitDatabase } from '../../relying-party/kit/tables.ts';
import type { TestPerson } from './accounts.ts';
import { HttpSession } from './http-session.ts';
import { type Store, startTestIdp } from './idp.ts';
import { createPostgresDatabase } from './postgres.ts';
import {
  type AnySite,
  reserveExtranet,
  reserveSite,
  startTestExtranet,
  startTestSite,
} from './relying-party.ts';

export type TestExtranet = Awaited<ReturnType<typeof startTestExtranet>>;

/**
 * A real IdP and a real extranet registered with it as a first-party client,
 * both mailing into the IdP's dev mailbox, so one `mailbox` sees every mail.
 * The extranet asks for the password level unless `env` says otherwise, and
 * keeps its data in SQLite unless `store` names PostgreSQL.
 */
export async function startIdpAndExtranet(
  options: {
    env?: Record<string, string>;
    /** Settings for the IdP (`env` is the extranet's). */
    idpEnv?: Record<string, string>;
    /** More clients for the IdP, besides the extranet. */
    idpClients?: Record<string, unknown>[];
    /** The IdP's store (`store` is the extranet's); SQLite when unset. */
    idpStore?: Store;
    store?: Store;
    /** Logger options for each service (a level and a stream to capture); no log when unset. */
    loggers?: { idp: object; extranet: object };
    queryLog?: LogConfig;
  } = {},
) {
  const reserved = await reserveExtranet();
  const postgres = options.store === 'postgres' ? await createPostgresDatabase() : undefined;
  const idp = await startTestIdp({
    clients: [reserved.client, ...(options.idpClients ?? [])],
    store: options.idpStore,
    logger: options.loggers?.idp,
    env: options.idpEnv,
  });
  let extranet: TestExtranet;
  try {
    extranet = await startTestExtranet({
      url: reserved.url,
      issuer: idp.issuer,
      logger: options.loggers?.extranet,
      queryLog: options.queryLog,
      env: {
        RP_REQUIRED_ACR: ACR_PASSWORD,
        SMTP_URL: idp.config.mail.smtpUrl!,
        ...(postgres ? { RP_DATABASE_URL: postgres.url } : {}),
        ...options.env,
      },
    });
  } catch (error) {
    await idp.close();
    await postgres?.drop();
    throw error;
  }
  return {
    idp,
    extranet,
    mailbox: idp.mailbox,
    async close() {
      await extranet.close();
      await idp.close();
      await postgres?.drop();
    },
  };
}

type StartedSite = Awaited<ReturnType<typeof startTestSite>>;

/**
 * A real IdP with several sites of the network registered as its clients, each
 * with its own database (SQLite, or a PostgreSQL database each with `store`),
 * all mailing into the IdP's dev mailbox. `sites` maps a name of the test's
 * choosing to a site definition and its settings (`env`, unprefixed names are
 * passed as given: `{ MC_REQUIRED_ACR: ... }`). Sites ask for their own
 * default acr unless `env` says otherwise. `sites.<name>` is each running site.
 */
export async function startIdpAndSites<Names extends string>(options: {
  sites: Record<
    Names,
    { site: AnySite; env?: Record<string, string>; seedDemoData?: boolean; logger?: object }
  >;
  idpEnv?: Record<string, string>;
  store?: Store;
  idpLogger?: object;
}) {
  const entries = Object.entries(options.sites) as [
    Names,
    { site: AnySite; env?: Record<string, string>; seedDemoData?: boolean; logger?: object },
  ][];
  const reserved = await Promise.all(entries.map(([, entry]) => reserveSite(entry.site)));
  const idp = await startTestIdp({
    clients: reserved.map((site) => site.client),
    logger: options.idpLogger,
    env: options.idpEnv,
  });
  const started: StartedSite[] = [];
  const databases: { drop(): Promise<void> }[] = [];
  const close = async () => {
    for (const site of started.reverse()) await site.close();
    await idp.close();
    for (const database of databases) await database.drop();
  };
  try {
    for (const [index, [, entry]] of entries.entries()) {
      const prefix = entry.site.settings.envPrefix;
      const postgres = options.store === 'postgres' ? await createPostgresDatabase() : undefined;
      if (postgres) databases.push(postgres);
      started.push(
        await startTestSite(entry.site, {
          url: reserved[index]!.url,
          issuer: idp.issuer,
          logger: entry.logger,
          seedDemoData: entry.seedDemoData,
          env: {
            SMTP_URL: idp.config.mail.smtpUrl!,
            ...(postgres ? { [`${prefix}_DATABASE_URL`]: postgres.url } : {}),
            ...entry.env,
          },
        }),
      );
    }
  } catch (error) {
    await close();
    throw error;
  }
  const sites = Object.fromEntries(entries.map(([name], index) => [name, started[index]!])) as Record<
    Names,
    StartedSite
  >;
  return { idp, sites, mailbox: idp.mailbox, close };
}

export type PassportFlow = {
  response: Response;
  url: URL;
  /** Whether Passport showed its sign-in form on the way (false: its session answered silently). */
  askedForPassword: boolean;
};

/**
 * Follows `start` through Passport and back, typing the person's e-mail and
 * password if Passport asks for them, until a page answers or `stopAt` matches.
 */
export async function followThroughPassport(
  browser: HttpSession,
  start: string | URL,
  person: TestPerson,
  stopAt?: (location: URL) => boolean,
): Promise<PassportFlow> {
  const first = await browser.follow(start, {}, stopAt);
  const interaction = /^\/interaction\/([^/]+)$/.exec(first.url.pathname);
  if (!interaction || first.response.status !== 200) return { ...first, askedForPassword: false };
  const done = await browser.follow(
    `${first.url.origin}/interaction/${interaction[1]}/login`,
    { form: { email: person.email, password: person.password } },
    stopAt,
  );
  return { ...done, askedForPassword: true };
}

/** Signs in to the extranet over HTTP and lands on `returnTo` (the front door by default). */
export async function signInToExtranet(
  extranet: { url: string },
  person: TestPerson,
  options: { browser?: HttpSession; returnTo?: string; stopAt?: (location: URL) => boolean } = {},
) {
  const browser = options.browser ?? new HttpSession();
  const flow = await followThroughPassport(
    browser,
    `${extranet.url}/auth/sign-in?return=${options.returnTo ?? '/'}`,
    person,
    options.stopAt,
  );
  return { browser, ...flow };
}

const A_YEAR_MS = 365 * 24 * 60 * 60 * 1000;

/** Company data as the company's records would have it: straight into the extranet's store. */
export async function addOrganization(
  db: RelyingPartyDatabase,
  organization: {
    name: string;
    kind?: OrganizationKind;
    plan?: ServicePlan | null;
    planEndsAt?: number | null;
  },
): Promise<string> {
  const id = randomUUID();
  const now = Date.now();
  await db
    .insertInto('organizations')
    .values({
      id,
      name: organization.name,
      kind: organization.kind ?? 'customer',
      plan: organization.plan === undefined ? 'enhancement' : organization.plan,
      plan_ends_at: organization.planEndsAt === undefined ? now + A_YEAR_MS : organization.planEndsAt,
      created_at: now,
    })
    .execute();
  return id;
}

export async function addProfile(
  db: RelyingPartyDatabase,
  profile: {
    organizationId: string;
    name: string;
    email: string;
    isAdmin?: boolean;
    isSupport?: boolean;
    /** The language of the profile's mail as the company's records have it; English when unset. */
    language?: string;
  },
): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('profiles')
    .values({
      id,
      organization_id: profile.organizationId,
      name: profile.name,
      email: profile.email,
      email_key: profile.email.trim().toLowerCase(),
      removed_at: null,
      created_at: Date.now(),
      ...(profile.language ? { language: profile.language } : {}),
    })
    .execute();
  // Roles are the kit's rows, as the company's records would be imported.
  const member = { memberId: id, organizationId: profile.organizationId, grantedBy: null };
  if (profile.isAdmin) await grantRole(kitDatabase(db), { ...member, roleKey: CUSTOMERSOURCE_ROLES.admin });
  if (profile.isSupport)
    await grantRole(kitDatabase(db), { ...member, roleKey: CUSTOMERSOURCE_ROLES.support });
  return id;
}

/** Whether a profile is an administrator / support person, as the kit's role tables say. */
export async function profileRoles(db: RelyingPartyDatabase, profileId: string) {
  const held = (await rolesOf(kitDatabase(db), [profileId])).get(profileId) ?? [];
  return {
    is_admin: held.some((role) => role.roleKey === CUSTOMERSOURCE_ROLES.admin) ? 1 : 0,
    is_support: held.some((role) => role.roleKey === CUSTOMERSOURCE_ROLES.support) ? 1 : 0,
  };
}

// `npm run admin -- <group> <command>`: the operator's commands. Each loads the same
// validated configuration as the service it works on and goes through that
// service's own rules; exit 0 done, 1 refused (one line per reason), 2 bad usage.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Command, CommanderError } from 'commander';
import { createAccountLocking } from '../idp/accounts/locking.ts';
import { emailKey } from '../idp/accounts/normalize.ts';
import { findAccountById, findCredentialsByEmailKey } from '../idp/accounts/repository.ts';
import { listActivity } from '../idp/activity/repository.ts';
import { queueLogout } from '../idp/backchannel/repository.ts';
import { startLogoutWorker } from '../idp/backchannel/worker.ts';
import type { IdpDatabase } from '../idp/database.ts';
import { endSessions } from '../idp/oidc/end-sessions.ts';
import { createProvider } from '../idp/oidc/provider.ts';
import { createRegisteredClients } from '../idp/oidc/registered-clients.ts';
import { listSigningKeys, loadSigningKeys, rotateSigningKeysNow } from '../idp/oidc/signing-keys.ts';
import { configuredClients, IDP_MIGRATIONS, idpDatabase } from '../idp/server.ts';
import { openShortLivedStore } from '../idp/state/open.ts';
import { createRenderer } from '../idp/views/renderer.ts';
import { relyingPartyCatalogues } from '../relying-party/customersource/locales/catalogues.ts';
import { importOrganizations, importProfiles } from '../relying-party/customersource/organizations/import.ts';
import { lastPlanDay } from '../relying-party/customersource/organizations/plan.ts';
import { listOrganizationsWithProfileCounts } from '../relying-party/customersource/organizations/repository.ts';
import { seedDemoData } from '../relying-party/customersource/organizations/seed.ts';
import { RP_MIGRATIONS, relyingPartyDatabase } from '../relying-party/customersource/server.ts';
import { loadIdpConfig } from '../shared/config/idp.ts';
import { ConfigError } from '../shared/config/load.ts';
import { loadRelyingPartyConfig } from '../shared/config/relying-party.ts';
import { migrateToLatest } from '../shared/db/migrate.ts';
import { storedSecret } from '../shared/db/stored-secret.ts';
import { DomainError } from '../shared/http/errors.ts';
import { withLanguage } from '../shared/i18n/context.ts';

/** Refused input: the message is the one line the operator sees. */
class Refused extends Error {}

const EXIT_REFUSED = 1;
const EXIT_USAGE = 2;

const closers: (() => Promise<void>)[] = [];

async function idpStore() {
  const config = loadIdpConfig();
  const db = idpDatabase(config);
  closers.push(() => db.destroy());
  await migrateToLatest(db, IDP_MIGRATIONS);
  return { config, db };
}

/**
 * The provider as the IdP builds it: clients are validated and sessions ended
 * exactly as there. Back-channel logouts go to the queue, which the running
 * IdP's worker delivers (and retries).
 */
async function idpWithProvider() {
  const { config, db } = await idpStore();
  const shortLived = await openShortLivedStore(config, db);
  closers.unshift(() => shortLived.close());
  const clients = await configuredClients(config, process.env);
  const [signingKeys, cookieKey] = await Promise.all([
    loadSigningKeys(db, config.signingKeyRotationSeconds),
    storedSecret(db, 'oidc_cookie_key'),
  ]);
  const provider = createProvider({
    config,
    db,
    shortLived,
    renderer: createRenderer({ issuer: config.issuer }),
    signingKeys,
    cookieKeys: [cookieKey],
    clients,
    queueLogout: (logout) => queueLogout(db, logout),
  });
  const logouts = startLogoutWorker({
    db,
    provider,
    maxAttempts: config.backchannelLogoutAttempts,
    log: {
      info: () => {},
      warn: (details) =>
        process.stderr.write(`warning: ${siteOf(details)}: logout not delivered yet; the IdP retries\n`),
      error: (details) => process.stderr.write(`warning: ${siteOf(details)}: logout given up\n`),
    },
  });
  closers.unshift(() => logouts.stop());
  /** The sites hear of ended sessions before the command returns, as after a sign-out; the IdP retries the rest. */
  const endSessionsNow = async (accountId: string) => {
    await endSessions(provider, shortLived, accountId);
    await logouts.deliverDue();
  };
  return { config, db, shortLived, provider, clients, endSessionsNow };
}

function siteOf(details: object): string {
  return String((details as { clientId?: unknown }).clientId ?? 'a site');
}

async function extranetStore() {
  const config = loadRelyingPartyConfig();
  const db = relyingPartyDatabase(config);
  closers.push(() => db.destroy());
  await migrateToLatest(db, RP_MIGRATIONS);
  return { config, db };
}

/** An account by its e-mail address or its id (the `sub` sites see). */
async function findAccount(db: IdpDatabase, which: string) {
  const id = which.includes('@') ? (await findCredentialsByEmailKey(db, emailKey(which)))?.id : which;
  const account = id ? await findAccountById(db, id) : undefined;
  if (!account) throw new Refused(`no account ${which}`);
  return account;
}

async function readInput(file: string): Promise<string> {
  try {
    return file === '-' ? readFileSync(0, 'utf8') : await readFile(file, 'utf8');
  } catch (error) {
    throw new Refused(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Refused(`${file} is not valid JSON`);
  }
}

const iso = (ms: number | null | undefined) => (ms ? new Date(Number(ms)).toISOString() : '-');

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function print(text: string) {
  process.stdout.write(`${text}\n`);
}

function buildProgram(): Command {
  const program = new Command('admin')
    .description('Operate Passport Network: clients, signing keys, accounts (IdP) and the extranet.')
    .usage('<group> <command> [options]')
    .exitOverride()
    .showSuggestionAfterError(false)
    .allowExcessArguments(false);

  const clients = program
    .command('clients')
    .description("The IdP's OpenID clients (relying sites). Uses IDP_DATABASE_URL or DATA_DIR.");
  clients
    .command('add')
    .description(
      "Add a client from a JSON file of oidc-provider client metadata ('-' reads standard input). " +
        'Without client_id one is made; a confidential client without client_secret gets one, printed once.',
    )
    .argument('<file>', 'JSON object, e.g. {"client_id":"shop","redirect_uris":["https://shop.example/cb"]}')
    .action(async (file: string) => {
      const { db, provider, clients: configured } = await idpWithProvider();
      const registered = createRegisteredClients({ db, provider, configuredClients: configured });
      const { clientId, secret } = await registered.add(parseJson(await readInput(file), file));
      print(`added client ${clientId}`);
      if (secret) print(`client_secret ${secret}\n(shown once: store it in the site's configuration now)`);
    });
  clients
    .command('list')
    .description('List every client: those of the configuration and those in the database.')
    .action(async () => {
      const { db, provider, clients: configured } = await idpWithProvider();
      const registered = createRegisteredClients({ db, provider, configuredClients: configured });
      const rows = (await registered.list()).map((client) => [
        client.clientId,
        client.source,
        client.name ?? '-',
        client.redirectUris.join(' '),
      ]);
      print(table([['CLIENT_ID', 'SOURCE', 'NAME', 'REDIRECT_URIS'], ...rows]));
    });
  clients
    .command('remove')
    .description('Remove a client added to the database (configured clients are removed from their file).')
    .argument('<client_id>')
    .action(async (clientId: string) => {
      const { db, provider, clients: configured } = await idpWithProvider();
      await createRegisteredClients({ db, provider, configuredClients: configured }).remove(clientId);
      print(`removed client ${clientId}`);
    });
  clients
    .command('rotate-secret')
    .description('Give a database client a new secret, printed once; the old one stops working at once.')
    .argument('<client_id>')
    .action(async (clientId: string) => {
      const { db, provider, clients: configured } = await idpWithProvider();
      const registered = createRegisteredClients({ db, provider, configuredClients: configured });
      const secret = await registered.rotateSecret(clientId);
      print(`client_secret ${secret}\n(shown once: store it in the site's configuration now)`);
    });

  const keys = program.command('keys').description("The IdP's token signing keys.");
  keys
    .command('list')
    .description('List the published keys and which one signs.')
    .action(async () => {
      const { config, db } = await idpStore();
      await loadSigningKeys(db, config.signingKeyRotationSeconds);
      print(keyTable(await listSigningKeys(db, config.signingKeyRotationSeconds)));
    });
  keys
    .command('rotate')
    .description(
      'Rotate now: the published next key starts signing, the current key keeps verifying, a new next key is made. ' +
        'Running copies follow within a minute.',
    )
    .action(async () => {
      const { config, db } = await idpStore();
      print(keyTable(await rotateSigningKeysNow(db, config.signingKeyRotationSeconds)));
    });

  const accounts = program.command('accounts').description('Passport accounts, by e-mail address or id.');
  accounts
    .command('show')
    .description('Show an account (never its secrets).')
    .argument('<account>', 'e-mail address or account id')
    .action(async (which: string) => {
      const { db } = await idpStore();
      const account = await findAccount(db, which);
      const [lastSignIn] = (await listActivity(db, account.id, 0)).filter(
        (entry) => entry.kind === 'sign-in' && entry.success === 1,
      );
      print(
        table([
          ['id', account.id],
          ['e-mail', account.email],
          ['name', `${account.first_name} ${account.last_name}`.trim()],
          ['created', iso(account.created_at)],
          ['security key', account.security_key_hash ? `set ${iso(account.security_key_set_at)}` : 'not set'],
          ['locked', account.locked_at === null ? 'no' : `since ${iso(account.locked_at)}`],
          ['last sign-in', iso(lastSignIn?.at)],
        ]),
      );
    });
  accounts
    .command('lock')
    .description('Lock an account: no sign-in, and its sessions end now, at the IdP and at the sites.')
    .argument('<account>', 'e-mail address or account id')
    .action(async (which: string) => {
      const { db, endSessionsNow } = await idpWithProvider();
      const account = await findAccount(db, which);
      const changed = await createAccountLocking({ db, endSessions: endSessionsNow }).lock(account.id);
      print(
        changed
          ? `locked ${account.email}; its sessions ended`
          : `${account.email} was already locked; its sessions ended`,
      );
    });
  accounts
    .command('unlock')
    .description('Unlock an account: its owner can sign in again.')
    .argument('<account>', 'e-mail address or account id')
    .action(async (which: string) => {
      const { db, endSessionsNow } = await idpWithProvider();
      const account = await findAccount(db, which);
      const changed = await createAccountLocking({ db, endSessions: endSessionsNow }).unlock(account.id);
      print(changed ? `unlocked ${account.email}` : `${account.email} was not locked`);
    });
  accounts
    .command('end-sessions')
    .description('End every session of an account; sites that asked get a back-channel logout.')
    .argument('<account>', 'e-mail address or account id')
    .action(async (which: string) => {
      const { db, endSessionsNow } = await idpWithProvider();
      const account = await findAccount(db, which);
      await endSessionsNow(account.id);
      print(`ended the sessions of ${account.email}`);
    });

  const extranet = program
    .command('extranet')
    .description(
      "The CustomerSource extranet's organizations and profiles. Uses RP_DATABASE_URL or DATA_DIR.",
    );
  extranet
    .command('seed')
    .description('Add the demo organizations, profiles and resources, only into an empty extranet.')
    .action(async () => {
      const { db } = await extranetStore();
      print(
        (await seedDemoData(db))
          ? 'seeded the demo data'
          : 'the extranet has organizations already: nothing seeded',
      );
    });
  extranet
    .command('import-organizations')
    .description(
      'Import organizations from CSV with the columns name,kind,plan,plan_last_day; all rows or none.',
    )
    .argument('<file>', "CSV file ('-' reads standard input)")
    .action(async (file: string) => {
      const { db } = await extranetStore();
      print(`imported ${await importOrganizations(db, await readInput(file))} organizations`);
    });
  extranet
    .command('import-profiles')
    .description(
      'Import profiles from CSV with the columns organization,name,email,administrator (yes/no) into ' +
        'existing organizations; all rows or none.',
    )
    .argument('<file>', "CSV file ('-' reads standard input)")
    .action(async (file: string) => {
      const { db } = await extranetStore();
      print(`imported ${await importProfiles(db, await readInput(file))} profiles`);
    });
  extranet
    .command('list')
    .description('List the organizations with their plans and numbers of profiles.')
    .action(async () => {
      const { db } = await extranetStore();
      const rows = (await listOrganizationsWithProfileCounts(db)).map((organization) => [
        organization.name,
        organization.kind,
        organization.plan ?? '-',
        organization.plan_ends_at === null ? '-' : lastPlanDay(Number(organization.plan_ends_at)),
        String(Number(organization.profiles ?? 0)),
      ]);
      print(table([['ORGANIZATION', 'KIND', 'PLAN', 'LAST_DAY', 'PROFILES'], ...rows]));
    });

  return program;
}

function keyTable(keys: Awaited<ReturnType<typeof listSigningKeys>>): string {
  return table([
    ['KID', 'ALG', 'STATE', 'CREATED'],
    ...keys.map((key) => [key.kid, key.alg, key.state, iso(key.createdAt)]),
  ]);
}

/** Commander's own errors are usage errors, except asking for help. */
function exitCodeOf(error: unknown): number | undefined {
  if (error instanceof CommanderError) {
    return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : EXIT_USAGE;
  }
  if (error instanceof ConfigError || error instanceof DomainError || error instanceof Refused) {
    process.stderr.write(`error: ${error.message.split('\n').join('\nerror: ')}\n`);
    return EXIT_REFUSED;
  }
  // The store refused or is out of reach (a system or PostgreSQL error code): say so in a line, not a stack.
  if (error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string') {
    process.stderr.write(
      `error: the database: ${error.message.split('\n')[0] || (error as NodeJS.ErrnoException).code}\n`,
    );
    return EXIT_REFUSED;
  }
  return undefined;
}

let exitCode = 0;
try {
  // Form and error words come from the catalogues; an operator's terminal reads English.
  await withLanguage({ language: 'en', t: relyingPartyCatalogues.t('en') }, () =>
    buildProgram().parseAsync(process.argv),
  );
} catch (error) {
  const code = exitCodeOf(error);
  if (code === undefined) throw error;
  exitCode = code;
} finally {
  for (const close of closers) await close();
}
process.exitCode = exitCode;

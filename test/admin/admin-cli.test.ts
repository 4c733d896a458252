import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registerPerson, type TestPerson } from '../helpers/accounts.ts';
import { runAdmin } from '../helpers/admin-cli.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { STORES, startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { startLogoutReceiver } from '../helpers/logout-receiver.ts';
import { authorizationRequest, discover, REDIRECT_URI, signIn } from '../helpers/oidc-client.ts';
import { createPostgresDatabase } from '../helpers/postgres.ts';

const SECRET = 'admin-cli-configured-secret-0123456789';

const COMMANDS = [
  [],
  ['clients'],
  ['clients', 'add'],
  ['clients', 'list'],
  ['clients', 'remove'],
  ['clients', 'rotate-secret'],
  ['keys'],
  ['keys', 'list'],
  ['keys', 'rotate'],
  ['accounts'],
  ['accounts', 'show'],
  ['accounts', 'lock'],
  ['accounts', 'unlock'],
  ['accounts', 'end-sessions'],
  ['extranet'],
  ['extranet', 'seed'],
  ['extranet', 'import-organizations'],
  ['extranet', 'import-profiles'],
  ['extranet', 'list'],
];

/** The rows of a table the CLI printed, without its header, split into columns. */
function rowsOf(output: string): string[][] {
  return output
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(/\s{2,}/));
}

describe('the admin CLI', () => {
  test.each(COMMANDS.map((command) => [command.join(' ') || '(none)', command]))(
    'explains itself with --help: %s',
    async (_name, command) => {
      const run = await runAdmin([...(command as string[]), '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: admin/);
    },
  );

  test('a usage mistake exits 2 with one line saying what is wrong', async () => {
    for (const args of [['frobnicate'], ['clients', 'add'], ['accounts', 'lock', 'a@b.example', 'extra']]) {
      const run = await runAdmin(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(run.stderr).toMatch(/^error: /);
    }
  });

  test('a bad setting is refused with the one line the services print', async () => {
    const run = await runAdmin(['keys', 'list'], { env: { IDP_DATABASE_URL: 'mysql://nope' } });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      'error: Invalid configuration: IDP_DATABASE_URL: must be a postgres:// URL',
    );
  });

  test('a database out of reach is one line, not a stack', async () => {
    const run = await runAdmin(['keys', 'list'], {
      env: { IDP_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/idp' },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('error: the database: connect ECONNREFUSED 127.0.0.1:1\n');
  });
});

describe.each(STORES)('the admin CLI on the IdP (%s)', (store) => {
  let idp: TestIdp;
  let env: Record<string, string>;
  let work: string;
  let person: TestPerson;
  let logoutReceiver: Awaited<ReturnType<typeof startLogoutReceiver>>;

  beforeAll(async () => {
    logoutReceiver = await startLogoutReceiver();
    idp = await startTestIdp({
      store,
      clients: [
        {
          client_id: 'home',
          client_secret: SECRET,
          client_name: 'Home Site',
          first_party: true,
          redirect_uris: [REDIRECT_URI],
          grant_types: ['authorization_code', 'refresh_token'],
          backchannel_logout_uri: logoutReceiver.url,
          backchannel_logout_session_required: true,
        },
      ],
    });
    work = await mkdtemp(path.join(tmpdir(), 'passport-admin-'));
    env = {
      IDP_ISSUER: idp.issuer,
      IDP_CLIENTS_FILE: idp.config.clientsFile!,
      ...(idp.config.databaseUrl
        ? { IDP_DATABASE_URL: idp.config.databaseUrl }
        : { DATA_DIR: idp.config.dataDir }),
      // Sessions live where the IdP keeps them: the CLI must end them there.
      ...(idp.config.redis
        ? { REDIS_URL: idp.config.redis.url, REDIS_KEY_PREFIX: idp.config.redis.keyPrefix }
        : {}),
    };
    person = await registerPerson(idp);
  });
  afterAll(async () => {
    await idp?.close();
    await logoutReceiver?.close();
    await rm(work, { recursive: true, force: true });
  });

  const admin = (args: string[], input?: string) => runAdmin(args, { env, input });

  /** What the token endpoint says to these client credentials: invalid_client, or (authenticated) invalid_grant. */
  async function tokenEndpointAnswer(clientId: string, secret: string) {
    const response = await fetch(`${idp.issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: 'not-a-code',
        redirect_uri: 'https://shop.example/callback',
        code_verifier: randomBytes(32).toString('base64url'),
      }),
    });
    return ((await response.json()) as { error: string }).error;
  }

  /** Whether this browser's Passport session still answers a site without asking to sign in. */
  async function stillSignedIn(browser: HttpSession) {
    const { url } = await authorizationRequest(await discover(idp.issuer, 'home', SECRET));
    const step = await browser.follow(url, {}, (location) => location.href.startsWith(REDIRECT_URI));
    return step.url.href.startsWith(REDIRECT_URI);
  }

  async function signedInBrowser() {
    const browser = new HttpSession();
    await signIn(await discover(idp.issuer, 'home', SECRET), browser, person);
    expect(await stillSignedIn(browser)).toBe(true);
    return browser;
  }

  async function accountIdOf(someone: TestPerson) {
    const shown = await admin(['accounts', 'show', someone.email]);
    return /^id\s+(\S+)$/m.exec(shown.stdout)?.[1];
  }

  /** The words the sign-in form answers with to this password. */
  async function signInAnswer(password: string) {
    const browser = new HttpSession();
    const { url } = await authorizationRequest(await discover(idp.issuer, 'home', SECRET));
    const form = await browser.follow(url);
    const answer = await browser.follow(
      `${form.url.origin}${form.url.pathname}/login`,
      { form: { email: person.email, password } },
      (location) => location.href.startsWith(REDIRECT_URI),
    );
    return { atSite: answer.url.href.startsWith(REDIRECT_URI), text: await answer.response.text() };
  }

  test('a client added from JSON works at the running IdP with the secret printed once; a new secret replaces it; removal ends it', async () => {
    const file = path.join(work, 'shop.json');
    await writeFile(
      file,
      JSON.stringify({
        client_id: 'shop',
        client_name: 'Shop',
        redirect_uris: ['https://shop.example/callback'],
      }),
    );
    const added = await admin(['clients', 'add', file]);
    expect(added.code).toBe(0);
    const secret = /client_secret (\S+)/.exec(added.stdout)?.[1];
    expect(secret).toMatch(/^[\w-]{43}$/);
    expect(await tokenEndpointAnswer('shop', secret!)).toBe('invalid_grant');
    expect(await tokenEndpointAnswer('shop', 'a-wrong-secret')).toBe('invalid_client');

    const listed = await admin(['clients', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toContain(secret);
    expect(rowsOf(listed.stdout)).toEqual(
      expect.arrayContaining([
        ['home', 'configuration', 'Home Site', REDIRECT_URI],
        ['shop', 'database', 'Shop', 'https://shop.example/callback'],
      ]),
    );

    const again = await admin(['clients', 'add', file]);
    expect(again).toMatchObject({ code: 1, stderr: 'error: client shop already exists\n' });

    const rotated = await admin(['clients', 'rotate-secret', 'shop']);
    expect(rotated.code).toBe(0);
    const next = /client_secret (\S+)/.exec(rotated.stdout)?.[1];
    expect(next).toBeDefined();
    expect(next).not.toBe(secret);
    expect(await tokenEndpointAnswer('shop', secret!)).toBe('invalid_client');
    expect(await tokenEndpointAnswer('shop', next!)).toBe('invalid_grant');

    expect(await admin(['clients', 'remove', 'shop'])).toMatchObject({
      code: 0,
      stdout: 'removed client shop\n',
    });
    expect(await tokenEndpointAnswer('shop', next!)).toBe('invalid_client');
    expect(await admin(['clients', 'remove', 'shop'])).toMatchObject({
      code: 1,
      stderr: 'error: no client shop in the database\n',
    });
  });

  test('metadata oidc-provider refuses is refused with its reason, and nothing is stored', async () => {
    const bad = await admin(
      ['clients', 'add', '-'],
      JSON.stringify({ client_id: 'broken', redirect_uris: ['not a url'] }),
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('error: invalid_redirect_uri: redirect_uris must only contain valid uris\n');
    const notJson = await admin(['clients', 'add', '-'], '{ nope');
    expect(notJson).toMatchObject({ code: 1, stderr: 'error: - is not valid JSON\n' });
    const missing = await admin(['clients', 'add', path.join(work, 'absent.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: cannot read .*absent\.json: ENOENT\n$/);
    expect((await admin(['clients', 'list'])).stdout).not.toContain('broken');
  });

  test.runIf(store === 'postgres')(
    'two operators adding the same client id at once: one wins, one is told',
    async () => {
      const metadata = JSON.stringify({
        client_id: 'twice',
        redirect_uris: ['https://twice.example/callback'],
      });
      const runs = await Promise.all([
        admin(['clients', 'add', '-'], metadata),
        admin(['clients', 'add', '-'], metadata),
      ]);
      expect(runs.map((run) => run.code).sort()).toEqual([0, 1]);
      expect(runs.find((run) => run.code === 1)?.stderr).toBe('error: client twice already exists\n');
      const secret = /client_secret (\S+)/.exec(runs.find((run) => run.code === 0)!.stdout)?.[1];
      expect(await tokenEndpointAnswer('twice', secret!)).toBe('invalid_grant');
    },
  );

  test('a client of IDP_CLIENTS_FILE is neither removed nor given a secret by the CLI', async () => {
    for (const command of ['remove', 'rotate-secret']) {
      const run = await admin(['clients', command, 'home']);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /^error: client home comes from the configuration \(IDP_CLIENTS_FILE or IDP_CLIENTS\)/,
      );
    }
    const shadow = await admin(
      ['clients', 'add', '-'],
      JSON.stringify({ client_id: 'home', redirect_uris: [REDIRECT_URI] }),
    );
    expect(shadow.code).toBe(1);
    expect(await tokenEndpointAnswer('home', SECRET)).toBe('invalid_grant');
  });

  test('rotating keys now makes the published next key sign, and the running IdP signs with it', async () => {
    const before = rowsOf((await admin(['keys', 'list'])).stdout);
    const nextKids = before.filter((row) => row[2] === 'next').map((row) => row[0]);
    expect(nextKids).toHaveLength(2);

    const rotated = await admin(['keys', 'rotate']);
    expect(rotated.code).toBe(0);
    const after = rowsOf(rotated.stdout);
    expect(
      after
        .filter((row) => row[2] === 'signing')
        .map((row) => row[0])
        .sort(),
    ).toEqual(nextKids.sort());
    expect(
      after
        .filter((row) => row[2] === 'previous')
        .map((row) => row[0])
        .sort(),
    ).toEqual(
      before
        .filter((row) => row[2] === 'signing')
        .map((row) => row[0])
        .sort(),
    );
    const freshKids = after.filter((row) => row[2] === 'next').map((row) => row[0]);
    expect(freshKids.some((kid) => before.some((row) => row[0] === kid))).toBe(false);

    await idp.refreshSigningKeys();
    const jwks = (await (await fetch(`${idp.issuer}/jwks`)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((key) => key.kid).sort()).toEqual(after.map((row) => row[0]).sort());
    const tokens = await signIn(await discover(idp.issuer, 'home', SECRET), new HttpSession(), person);
    expect(nextKids).toContain(decodeProtectedHeader(tokens.id_token!).kid);
  });

  test('a locked account is told so only after the right password, loses its sessions, and signs in again once unlocked', async () => {
    const browser = await signedInBrowser();
    const seen = logoutReceiver.tokens.length;
    const locked = await admin(['accounts', 'lock', person.email]);
    expect(locked).toMatchObject({ code: 0, stdout: `locked ${person.email}; its sessions ended\n` });
    expect(await stillSignedIn(browser)).toBe(false);
    // The site that asked for back-channel logout was told before the command returned.
    expect(logoutReceiver.tokens.length).toBeGreaterThan(seen);
    expect(decodeJwt(logoutReceiver.tokens[seen]!).sub).toBe(await accountIdOf(person));

    const wrong = await signInAnswer('not-the-password-at-all');
    expect(wrong.text).toContain('The e-mail address or password is incorrect.');
    expect(wrong.text).not.toContain('locked');
    const right = await signInAnswer(person.password);
    expect(right.atSite).toBe(false);
    expect(right.text).toContain('This account is locked. Please contact support to have it unlocked.');

    const shown = await admin(['accounts', 'show', person.email]);
    expect(shown.stdout).toMatch(/^locked\s+since \d{4}-/m);

    expect(await admin(['accounts', 'unlock', person.email])).toMatchObject({
      code: 0,
      stdout: `unlocked ${person.email}\n`,
    });
    expect((await signInAnswer(person.password)).atSite).toBe(true);
    expect((await admin(['accounts', 'unlock', person.email])).stdout).toBe(
      `${person.email} was not locked\n`,
    );
  });

  test('ending an account’s sessions signs it out of every browser', async () => {
    const [first, second] = [await signedInBrowser(), await signedInBrowser()];
    const ended = await admin(['accounts', 'end-sessions', person.email]);
    expect(ended).toMatchObject({ code: 0, stdout: `ended the sessions of ${person.email}\n` });
    expect(await stillSignedIn(first)).toBe(false);
    expect(await stillSignedIn(second)).toBe(false);
  });

  test('show prints an account, by address or id, and none of its secrets', async () => {
    const byEmail = await admin(['accounts', 'show', person.email.toUpperCase()]);
    expect(byEmail.code).toBe(0);
    const id = /^id\s+(\S+)$/m.exec(byEmail.stdout)?.[1];
    expect(byEmail.stdout).toMatch(new RegExp(`^e-mail\\s+${person.email.replace(/\./g, '\\.')}$`, 'm'));
    expect(byEmail.stdout).not.toMatch(/argon2|\$v=/);
    expect((await admin(['accounts', 'show', id!])).stdout).toBe(byEmail.stdout);
    expect(await admin(['accounts', 'lock', 'nobody@example.test'])).toMatchObject({
      code: 1,
      stderr: 'error: no account nobody@example.test\n',
    });
  });
});

describe.each(STORES)('the admin CLI on the extranet (%s)', (store) => {
  let env: Record<string, string>;
  let removeData: () => Promise<void>;

  beforeAll(async () => {
    if (store === 'postgres') {
      const postgres = await createPostgresDatabase();
      env = { RP_DATABASE_URL: postgres.url };
      removeData = () => postgres.drop();
    } else {
      const folder = await mkdtemp(path.join(tmpdir(), 'passport-admin-rp-'));
      env = { DATA_DIR: folder };
      removeData = () => rm(folder, { recursive: true, force: true });
    }
  });
  afterAll(async () => removeData?.());

  const admin = (args: string[], input?: string) => runAdmin(args, { env, input });
  const organizations = async () => rowsOf((await admin(['extranet', 'list'])).stdout);

  test('seeding fills an empty extranet once and never again', async () => {
    expect(await admin(['extranet', 'seed'])).toMatchObject({ code: 0, stdout: 'seeded the demo data\n' });
    const seeded = await organizations();
    expect(seeded.map((row) => row[0])).toEqual([
      'Contoso Pharmaceuticals',
      'CustomerSource Support',
      'Fabrikam Tools',
      'Northwind Partners',
    ]);
    expect(await admin(['extranet', 'seed'])).toMatchObject({
      code: 0,
      stdout: 'the extranet has organizations already: nothing seeded\n',
    });
    expect(await organizations()).toEqual(seeded);
  });

  test('organizations import from CSV all together, and a file with bad rows imports nothing and names each', async () => {
    const bad = [
      'name,kind,plan,plan_last_day',
      'Adatum Corporation,customer,support,2030-06-30',
      'Bad Kind Ltd,vendor,,',
      'Contoso Pharmaceuticals,customer,,',
      'No Day Inc,customer,service,',
      'Bad Day Inc,customer,service,30/06/2030',
    ].join('\n');
    const refused = await admin(['extranet', 'import-organizations', '-'], bad);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toEqual([
      'error: line 3: kind: must be customer, partner or staff',
      'error: line 4: name: an organization named "Contoso Pharmaceuticals" already exists',
      'error: line 5: plan_last_day: a plan needs its last day, and a last day needs a plan',
      'error: line 6: plan_last_day: must be a date as YYYY-MM-DD',
    ]);
    expect((await organizations()).map((row) => row[0])).not.toContain('Adatum Corporation');

    const good = [
      'name,kind,plan,plan_last_day',
      'Adatum Corporation,customer,support,2030-06-30',
      '"Litware, Inc.",partner,,',
    ];
    const imported = await admin(['extranet', 'import-organizations', '-'], good.join('\n'));
    expect(imported).toMatchObject({ code: 0, stdout: 'imported 2 organizations\n' });
    expect(await organizations()).toEqual(
      expect.arrayContaining([
        ['Adatum Corporation', 'customer', 'support', '2030-06-30', '0'],
        ['Litware, Inc.', 'partner', '-', '-', '0'],
      ]),
    );
  });

  test('profiles import into existing organizations, all or none', async () => {
    const bad = [
      'organization,name,email,administrator',
      'Adatum Corporation,Ana Admin,ana@adatum.example,yes',
      'Nowhere Ltd,Nobody,nobody@nowhere.example,no',
      'Adatum Corporation,No Mail,not-an-address,no',
      'Contoso Pharmaceuticals,Dana Again,DANA@contoso.example,no',
      'Adatum Corporation,Maybe,maybe@adatum.example,maybe',
    ].join('\n');
    const refused = await admin(['extranet', 'import-profiles', '-'], bad);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toEqual([
      'error: line 3: organization: no organization is named "Nowhere Ltd"',
      'error: line 4: email: Enter a valid e-mail address.',
      'error: line 5: email: DANA@contoso.example already has a profile in "Contoso Pharmaceuticals"',
      'error: line 6: administrator: must be yes or no',
    ]);
    expect((await organizations()).find((row) => row[0] === 'Adatum Corporation')?.[4]).toBe('0');

    const good = [
      'organization,name,email,administrator',
      'Adatum Corporation,Ana Admin,ana@adatum.example,yes',
      'adatum corporation,Ben Buyer,ben@adatum.example,',
    ];
    expect(await admin(['extranet', 'import-profiles', '-'], good.join('\n'))).toMatchObject({
      code: 0,
      stdout: 'imported 2 profiles\n',
    });
    expect((await organizations()).find((row) => row[0] === 'Adatum Corporation')?.[4]).toBe('2');
  });

  test('a file with other columns, or no rows, is refused in one line', async () => {
    const columns = await admin(['extranet', 'import-profiles', '-'], 'org,name\nA,B\n');
    expect(columns.code).toBe(1);
    expect(columns.stderr).toBe(
      'error: line 1: the columns must be organization,name,email,administrator (missing organization, email, administrator) (unknown org)\n',
    );
    expect((await admin(['extranet', 'import-organizations', '-'], '')).stderr).toBe(
      'error: no rows: the first line names the columns name,kind,plan,plan_last_day\n',
    );
  });
});

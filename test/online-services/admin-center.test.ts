import type { LogEvent } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { adminCenterCatalogues } from '../../relying-party/online-services/locales/admin/catalogues.ts';
import {
  centerSignIn,
  post,
  signInFirstTime,
  startTestAdministrationCenter,
  type TestAdministrationCenter,
} from '../helpers/admin-center.ts';
import { englishLeftovers, untranslatedKeys } from '../helpers/catalogue-keys.ts';
import { HttpSession } from '../helpers/http-session.ts';

const en = adminCenterCatalogues.t('en');

/** The page's main text, tags gone, entities read. */
async function mainText(response: Response): Promise<string> {
  const html = await response.text();
  const main = /<main[\s\S]*<\/main>/.exec(html)?.[0] ?? html;
  return main
    .replace(/<[^>]+>/g, ' ')
    .replaceAll('&#39;', "'")
    .replaceAll('&quot;', '"')
    .replaceAll('&amp;', '&')
    .replace(/\s+/g, ' ');
}

/** The temporary password a page shows once. */
async function shownTemporaryPassword(response: Response): Promise<string> {
  const match = /<code class="secret">([^<]+)<\/code>/.exec(await response.text());
  if (!match) throw new Error('no temporary password on the page');
  return match[1]!;
}

async function count(center: TestAdministrationCenter, table: 'admin_users' | 'admin_audit' | 'tenants') {
  const row = await center.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

function userIdOf(center: TestAdministrationCenter, userName: string) {
  return center.db
    .selectFrom('admin_users')
    .select('id')
    .where('user_name', '=', userName)
    .executeTakeFirstOrThrow()
    .then((row) => row.id);
}

describe('the Administration Center', () => {
  let center: TestAdministrationCenter;
  let recording: string[] | undefined;

  beforeAll(async () => {
    center = await startTestAdministrationCenter({
      // Tight enough to reach in a test, a wait long enough that no test outruns it.
      guardLimits: {
        account: { failures: 3, windowMs: 15 * 60_000 },
        network: { failures: 1000, windowMs: 15 * 60_000 },
        firstDelayMs: 60_000,
      },
      queryLog: (event: LogEvent) => {
        // The mail worker polls the outbox on its own clock; only the sign-in's statements count here.
        if (event.level === 'query' && !/"outbox"/.test(event.query.sql)) recording?.push(event.query.sql);
      },
    });
  });
  afterAll(async () => center?.close());

  /** A tenant whose service administrator changed the temporary password and made their own account. */
  async function readyTenant(companyName: string) {
    const tenant = await center.provision({ companyName });
    const serviceAdmin = await signInFirstTime(
      center,
      tenant.userName,
      tenant.temporaryPassword,
      'Chosen-pass-1',
    );
    const created = await post(serviceAdmin, center, '/administrator/new', {
      user_name: 'dana',
      display_name: 'Dana Buyer',
      contact_email: '',
      new_password: 'Dana-pass-123',
      retype_password: 'Dana-pass-123',
    });
    expect(created.status).toBe(200);
    const domain = tenant.userName.split('@')[1]!;
    const { session: admin } = await centerSignIn(center, `dana@${domain}`, 'Dana-pass-123');
    return { tenant, domain, serviceAdmin, admin };
  }

  test('the first sign-in opens only the password change, and the change asks for the own administrator account', async () => {
    const tenant = await center.provision({ companyName: 'First Sign-in Ltd' });
    const { session, response } = await centerSignIn(center, tenant.userName, tenant.temporaryPassword);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/password');
    for (const path of ['/', '/users', '/settings', '/services', '/audit', '/administrator/new']) {
      const page = await session.request(`${center.url}${path}`);
      expect(page.status, path).toBe(303);
      expect(page.headers.get('location'), path).toBe('/password');
    }
    const form = await session.request(`${center.url}/password`);
    expect(await mainText(form)).toContain(en('password.temporary_title'));

    const changed = await post(session, center, '/password', {
      current_password: tenant.temporaryPassword,
      new_password: 'My-own-password',
      retype_password: 'My-own-password',
    });
    expect(changed.status).toBe(303);
    const home = await session.follow(`${center.url}/`);
    expect(home.url.pathname).toBe('/administrator/new');
    expect(await mainText(home.response)).toContain(en('own_administrator.title'));
  });

  test('after the change the temporary password stops working and its stored copy is gone', async () => {
    const tenant = await center.provision({ companyName: 'Changed Password Inc' });
    const before = await center.db
      .selectFrom('temporary_credentials')
      .selectAll()
      .where('admin_user_id', '=', tenant.adminUserId)
      .executeTakeFirstOrThrow();
    expect(before.ciphertext).not.toBeNull();
    expect(before.ciphertext).not.toContain(tenant.temporaryPassword);
    expect(center.tenants.readTemporaryPassword(before.ciphertext!, tenant.adminUserId)).toBe(
      tenant.temporaryPassword,
    );
    // The copy opens only on its own row.
    expect(() => center.tenants.readTemporaryPassword(before.ciphertext!, 'another-user')).toThrow();

    await signInFirstTime(center, tenant.userName, tenant.temporaryPassword, 'Brand-new-pass');

    const after = await center.db
      .selectFrom('temporary_credentials')
      .selectAll()
      .where('admin_user_id', '=', tenant.adminUserId)
      .executeTakeFirstOrThrow();
    expect(after.ciphertext).toBeNull();
    expect(after.destroyed_reason).toBe('changed');
    expect(after.destroyed_at).not.toBeNull();
    const user = await center.db
      .selectFrom('admin_users')
      .selectAll()
      .where('id', '=', tenant.adminUserId)
      .executeTakeFirstOrThrow();
    expect(user.must_change_password).toBe(0);
    expect(user.last_sign_in_at).not.toBeNull();

    const withTemporary = await centerSignIn(center, tenant.userName, tenant.temporaryPassword);
    expect(withTemporary.response.status).toBe(401);
    expect(await mainText(withTemporary.response)).toContain(en('errors.center_credentials_invalid.message'));
    const withNew = await centerSignIn(center, tenant.userName, 'Brand-new-pass');
    expect(withNew.response.status).toBe(303);
    expect(withNew.response.headers.get('location')).toBe('/');
  });

  test('the forced change refuses a short, common, mistyped, unchanged or wrong password, and changes nothing', async () => {
    const tenant = await center.provision({ companyName: 'Careful Typists' });
    const { session } = await centerSignIn(center, tenant.userName, tenant.temporaryPassword);
    const attempts: [Record<string, string>, string, string][] = [
      [
        { current_password: tenant.temporaryPassword, new_password: 'short', retype_password: 'short' },
        'new_password',
        'form_problems.password_too_short',
      ],
      [
        {
          current_password: tenant.temporaryPassword,
          new_password: 'Password123',
          retype_password: 'Password123',
        },
        'new_password',
        'form_problems.password_common',
      ],
      [
        {
          current_password: tenant.temporaryPassword,
          new_password: 'Long-enough-1',
          retype_password: 'Long-enough-2',
        },
        'retype_password',
        'form_problems.passwords_differ',
      ],
      [
        {
          current_password: tenant.temporaryPassword,
          new_password: tenant.temporaryPassword,
          retype_password: tenant.temporaryPassword,
        },
        'new_password',
        'form_problems.new_password_same',
      ],
      [
        {
          current_password: 'not-the-temporary',
          new_password: 'Long-enough-1',
          retype_password: 'Long-enough-1',
        },
        'current_password',
        'form_problems.current_password_wrong',
      ],
      [
        { new_password: 'Long-enough-1', retype_password: 'Long-enough-1' },
        'current_password',
        'form.required',
      ],
    ];
    for (const [form, field, key] of attempts) {
      const response = await post(session, center, '/password', form);
      expect(response.status, key).toBe(400);
      const html = await response.text();
      expect(html).toContain('role="alert"');
      expect(html).toContain(`id="${field}-error"`);
      expect(html, key).toContain(en(key, { min: 8, label: en('fields.temporary_password') }).slice(0, 20));
      // A secret is never sent back.
      expect(html).not.toContain('Long-enough-1');
    }
    // Case matters: the temporary password in other case is another password.
    const swapped = tenant.temporaryPassword.replace(/[a-z]/i, (letter) =>
      letter === letter.toLowerCase() ? letter.toUpperCase() : letter.toLowerCase(),
    );
    const caseChanged = await post(session, center, '/password', {
      current_password: tenant.temporaryPassword,
      new_password: `${swapped}`,
      retype_password: `${swapped}`,
    });
    expect(caseChanged.status).toBe(303);
  });

  test('the service administrator creates their own administrator account and signs in with it', async () => {
    const tenant = await center.provision({ companyName: 'Own Account Co' });
    const session = await signInFirstTime(
      center,
      tenant.userName,
      tenant.temporaryPassword,
      'Service-pass-1',
    );
    const domain = tenant.userName.split('@')[1]!;
    const users = await count(center, 'admin_users');

    const refusals: [Record<string, string>, string][] = [
      [
        {
          user_name: '-bad name-',
          display_name: 'Ana',
          contact_email: '',
          new_password: 'Ana-pass-123',
          retype_password: 'Ana-pass-123',
        },
        'user_name',
      ],
      [
        {
          user_name: 'ana',
          display_name: '',
          contact_email: '',
          new_password: 'Ana-pass-123',
          retype_password: 'Ana-pass-123',
        },
        'display_name',
      ],
      [
        {
          user_name: 'ana',
          display_name: 'Ana',
          contact_email: 'not an address',
          new_password: 'Ana-pass-123',
          retype_password: 'Ana-pass-123',
        },
        'contact_email',
      ],
      [
        {
          user_name: 'ana',
          display_name: 'Ana',
          contact_email: '',
          new_password: 'short',
          retype_password: 'short',
        },
        'new_password',
      ],
      [
        {
          user_name: 'admin',
          display_name: 'Ana',
          contact_email: '',
          new_password: 'Ana-pass-123',
          retype_password: 'Ana-pass-123',
        },
        'user_name',
      ],
    ];
    for (const [form, field] of refusals) {
      const response = await post(session, center, '/administrator/new', form);
      expect(response.status, field).toBe(400);
      const html = await response.text();
      expect(html, field).toContain(`id="${field}-error"`);
      // What was typed stays, except the passwords.
      if (form.display_name) expect(html).toContain(`value="${form.display_name}"`);
      expect(html).not.toContain('Ana-pass-123');
    }
    expect(await count(center, 'admin_users')).toBe(users);

    const created = await post(session, center, '/administrator/new', {
      user_name: 'Ana.Lima',
      display_name: 'Ana Lima',
      contact_email: 'ana@contoso.example',
      new_password: 'Ana-pass-123',
      retype_password: 'Ana-pass-123',
    });
    expect(created.status).toBe(200);
    expect(await mainText(created)).toContain(`ana.lima@${domain}`);
    // Made once: the page is closed now.
    const again = await session.request(`${center.url}/administrator/new`);
    expect(again.headers.get('location')).toBe('/');

    const { session: ana, response } = await centerSignIn(center, `ana.lima@${domain}`, 'Ana-pass-123');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/');
    const home = await ana.request(`${center.url}/`);
    expect(home.status).toBe(200);
    expect(await mainText(home)).toContain(en('roles.admin'));

    const audit = await mainText(await ana.request(`${center.url}/audit`));
    expect(audit).toContain(en('audit.actions.administrator_created', { subject: `ana.lima@${domain}` }));
    expect(audit).toContain(en('audit.actions.temporary_password_changed', { subject: tenant.userName }));
  });

  test('administrators create users, reset their passwords and disable them; a disabled user cannot sign in', async () => {
    const { domain, admin } = await readyTenant('Managed Users SA');
    const refused = await post(admin, center, '/users', {
      user_name: 'lee',
      display_name: 'Lee Clerk',
      contact_email: '',
      role: 'owner',
    });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('id="role-error"');

    const created = await post(admin, center, '/users', {
      user_name: 'lee',
      display_name: 'Lee Clerk',
      contact_email: 'lee@contoso.example',
      role: 'user',
    });
    expect(created.status).toBe(201);
    const firstTemporary = await shownTemporaryPassword(created);
    const taken = await post(admin, center, '/users', {
      user_name: 'LEE',
      display_name: 'Another Lee',
      contact_email: '',
      role: 'user',
    });
    expect(taken.status).toBe(400);
    expect(await mainText(taken)).toContain(en('form_problems.user_name_taken'));

    const list = await mainText(await admin.request(`${center.url}/users`));
    expect(list).toContain(`lee@${domain}`);
    expect(list).toContain(en('users.temporary'));

    const lee = await signInFirstTime(center, `lee@${domain}`, firstTemporary, 'Lee-pass-123');
    expect((await lee.request(`${center.url}/`)).status).toBe(200);

    const leeId = await userIdOf(center, `lee@${domain}`);
    const reset = await post(admin, center, `/users/${leeId}/reset-password`, {});
    expect(reset.status).toBe(200);
    const secondTemporary = await shownTemporaryPassword(reset);
    expect(secondTemporary).not.toBe(firstTemporary);
    // The reset signs Lee out, and only the new temporary password works, for its change only.
    expect((await lee.request(`${center.url}/`)).headers.get('location')).toBe('/sign-in');
    expect((await centerSignIn(center, `lee@${domain}`, 'Lee-pass-123')).response.status).toBe(401);
    const again = await centerSignIn(center, `lee@${domain}`, secondTemporary);
    expect(again.response.headers.get('location')).toBe('/password');

    const disabled = await post(admin, center, `/users/${leeId}/disable`, {});
    expect(disabled.status).toBe(303);
    expect((await again.session.request(`${center.url}/password`)).headers.get('location')).toBe('/sign-in');
    const blocked = await centerSignIn(center, `lee@${domain}`, secondTemporary);
    expect(blocked.response.status).toBe(403);
    expect(await mainText(blocked.response)).toContain(en('errors.center_account_disabled.message'));

    expect((await post(admin, center, `/users/${leeId}/enable`, {})).status).toBe(303);
    expect((await centerSignIn(center, `lee@${domain}`, secondTemporary)).response.status).toBe(303);

    const audit = await mainText(await admin.request(`${center.url}/audit`));
    for (const action of ['user_created', 'password_reset', 'user_disabled', 'user_enabled']) {
      expect(audit).toContain(en(`audit.actions.${action}`, { subject: `lee@${domain}` }));
    }
  });

  test('an administrator cannot reset or disable their own account, nor reach another company', async () => {
    const { admin, domain } = await readyTenant('Self Guarded');
    const other = await readyTenant('Other Company');
    const selfId = await userIdOf(center, `dana@${domain}`);
    expect((await post(admin, center, `/users/${selfId}/disable`, {})).status).toBe(404);
    expect((await post(admin, center, `/users/${selfId}/reset-password`, {})).status).toBe(404);
    const foreignId = await userIdOf(center, `dana@${other.domain}`);
    expect((await admin.request(`${center.url}/users/${foreignId}`)).status).toBe(404);
    expect((await post(admin, center, `/users/${foreignId}/disable`, {})).status).toBe(404);
    expect((await admin.request(`${center.url}/users/not%20an%20id`)).status).toBe(404);
  });

  test('company settings are saved, and bad settings are refused with nothing stored', async () => {
    const { admin, tenant } = await readyTenant('Settings GmbH');
    const good = {
      company_name: 'Settings AG',
      contact_email: 'it@settings.example',
      language: 'pt-BR',
      time_zone: 'America/Sao_Paulo',
    };
    const refusals: [Record<string, string>, string][] = [
      [{ ...good, company_name: '   ' }, 'company_name'],
      [{ ...good, company_name: 'x'.repeat(101) }, 'company_name'],
      [{ ...good, company_name: 'Line\nbreak' }, 'company_name'],
      [{ ...good, contact_email: 'nobody' }, 'contact_email'],
      [{ ...good, language: 'fr' }, 'language'],
      [{ ...good, time_zone: 'Mars/Olympus' }, 'time_zone'],
    ];
    for (const [form, field] of refusals) {
      const response = await post(admin, center, '/settings', form);
      expect(response.status, field).toBe(400);
      const html = await response.text();
      expect(html, field).toContain(`id="${field}-error"`);
      expect(html).toContain('role="alert"');
    }
    const stored = await center.db
      .selectFrom('tenants')
      .selectAll()
      .where('id', '=', tenant.tenantId)
      .executeTakeFirstOrThrow();
    expect(stored.company_name).toBe('Settings GmbH');

    const saved = await post(admin, center, '/settings', good);
    expect(saved.status).toBe(303);
    const page = await admin.request(`${center.url}/settings?done=settings-saved`);
    const html = await page.text();
    expect(html).toContain('value="Settings AG"');
    expect(html).toContain('<option value="America/Sao_Paulo" selected>');
    expect(html).toContain(en('notices.settings-saved'));
  });

  test('subscribed services are listed and switched per company', async () => {
    const { admin, tenant } = await readyTenant('Services Pty');
    const page = await mainText(await admin.request(`${center.url}/services`));
    for (const key of [
      'exchange_online',
      'sharepoint_online',
      'office_communications_online',
      'office_live_meeting',
    ]) {
      expect(page).toContain(en(`services.names.${key}`));
    }
    expect((await post(admin, center, '/services/exchange_online', { enabled: 'no' })).status).toBe(303);
    const row = await center.db
      .selectFrom('tenant_services')
      .select('enabled')
      .where('tenant_id', '=', tenant.tenantId)
      .where('service_key', '=', 'exchange_online')
      .executeTakeFirstOrThrow();
    expect(row.enabled).toBe(0);
    expect(await mainText(await admin.request(`${center.url}/services`))).toContain(
      en('services.enable', { service: 'Exchange Online' }),
    );
    expect((await post(admin, center, '/services/exchange_online', { enabled: 'maybe' })).status).toBe(400);
    expect((await post(admin, center, '/services/no_such_service', { enabled: 'yes' })).status).toBe(404);
    expect((await post(admin, center, '/services/Bad-Key!', { enabled: 'yes' })).status).toBe(404);
    const audit = await mainText(await admin.request(`${center.url}/audit`));
    expect(audit).toContain(en('audit.actions.service_disabled', { subject: 'Exchange Online' }));
  });

  test("a user sees their own page only, and an administrator's forged forms are refused with 403", async () => {
    const { admin, domain } = await readyTenant('Rights Corp');
    const created = await post(admin, center, '/users', {
      user_name: 'pat',
      display_name: 'Pat User',
      contact_email: '',
      role: 'user',
    });
    const pat = await signInFirstTime(
      center,
      `pat@${domain}`,
      await shownTemporaryPassword(created),
      'Pat-pass-123',
    );
    const home = await pat.request(`${center.url}/`);
    expect(home.status).toBe(200);
    const homeHtml = await home.text();
    expect(homeHtml.replaceAll('&#39;', "'")).toContain(en('home.user_lead'));
    expect(homeHtml).not.toContain('href="/users"');

    const danaId = await userIdOf(center, `dana@${domain}`);
    const before = { users: await count(center, 'admin_users'), audit: await count(center, 'admin_audit') };
    const forged: [string, Record<string, string> | undefined][] = [
      ['/users', undefined],
      ['/users/new', undefined],
      ['/settings', undefined],
      ['/services', undefined],
      ['/audit', undefined],
      [`/users/${danaId}`, undefined],
      ['/users', { user_name: 'mallory', display_name: 'Mallory', contact_email: '', role: 'admin' }],
      ['/settings', { company_name: 'Taken Over', contact_email: '', language: 'en', time_zone: 'UTC' }],
      ['/services/exchange_online', { enabled: 'no' }],
      [`/users/${danaId}/disable`, {}],
      [`/users/${danaId}/reset-password`, {}],
      [
        '/administrator/new',
        {
          user_name: 'x',
          display_name: 'X',
          contact_email: '',
          new_password: 'Xx-pass-123',
          retype_password: 'Xx-pass-123',
        },
      ],
    ];
    for (const [path, form] of forged) {
      const response = form ? await post(pat, center, path, form) : await pat.request(`${center.url}${path}`);
      if (path === '/administrator/new') {
        // Only a service administrator without an administrator account ever sees it.
        expect(response.status, path).toBe(303);
        continue;
      }
      expect(response.status, `${form ? 'POST' : 'GET'} ${path}`).toBe(403);
      expect(await mainText(response)).toContain(en('errors.center_administrators_only.message'));
    }
    expect(await count(center, 'admin_users')).toBe(before.users);
    expect(await count(center, 'admin_audit')).toBe(before.audit);
    expect((await admin.request(`${center.url}/users/${danaId}`)).status).toBe(200);
  });

  test('sign-in refuses bad input with a clear message and keeps the user name, never the password', async () => {
    const forms: Record<string, string>[] = [
      { user_name: '', password: 'x' },
      { user_name: 'someone@x.example', password: '' },
      { user_name: 'a'.repeat(255), password: 'x' },
      { user_name: 'bad\u202Ename', password: 'x' },
      { password: 'x' },
    ];
    for (const form of forms) {
      const response = await post(new HttpSession(), center, '/sign-in', form);
      expect(response.status, JSON.stringify(form)).toBe(400);
      const html = await response.text();
      expect(html).toContain('role="alert"');
      expect(html).toMatch(/id="(user_name|password)-error"/);
    }
    const kept = await post(new HttpSession(), center, '/sign-in', {
      user_name: 'kept@x.example',
      password: '',
    });
    expect(await kept.text()).toContain('value="kept@x.example"');
    const wrong = await post(new HttpSession(), center, '/sign-in', {
      user_name: 'kept@x.example',
      password: 'Secret-typed-1',
    });
    expect(wrong.status).toBe(401);
    const html = await wrong.text();
    expect(html).toContain('value="kept@x.example"');
    expect(html).not.toContain('Secret-typed-1');
    // JSON is no form, and a form from another site changes nothing.
    const json = await fetch(`${center.url}/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"user_name":"a","password":"b"}',
    });
    expect(json.status).toBe(415);
    const crossSite = await new HttpSession().request(`${center.url}/sign-in`, {
      form: { user_name: 'a', password: 'b' },
      headers: { origin: 'http://evil.example' },
    });
    expect(crossSite.status).toBe(403);
  });

  test('repeated failures hold an account back, unknown user names alike, and the administrator is mailed once', async () => {
    const tenant = await center.provision({
      companyName: 'Guarded Logins',
      contactEmail: 'owner@guarded.example',
    });
    const unknown = `nobody@${tenant.userName.split('@')[1]}`;
    // The owner's own browser, trusted for the account before any attack.
    const { session: ownBrowser } = await centerSignIn(center, tenant.userName, tenant.temporaryPassword);
    await post(ownBrowser, center, '/sign-out', {});

    const answers = async (userName: string) => {
      const seen: { status: number; text: string; retryAfter: string | null }[] = [];
      for (let i = 0; i < 4; i++) {
        const { response } = await centerSignIn(center, userName, `wrong-${i}`);
        seen.push({
          status: response.status,
          text: (await mainText(response)).replaceAll(userName, 'NAME'),
          retryAfter: response.headers.get('retry-after'),
        });
      }
      return seen;
    };
    const known = await answers(tenant.userName);
    expect(known.map((answer) => answer.status)).toEqual([401, 401, 401, 429]);
    expect(Number(known[3]!.retryAfter)).toBeGreaterThan(0);
    expect(known[3]!.text).toContain(
      en('errors.throttled.retry_later', { unit: 'seconds', count: 60 }).slice(0, 25),
    );
    // Held back before the password is looked at: even the right one waits.
    const right = await centerSignIn(center, tenant.userName, tenant.temporaryPassword);
    expect(right.response.status).toBe(429);

    const stranger = await answers(unknown);
    expect(stranger.map((answer) => ({ ...answer, retryAfter: answer.retryAfter !== null }))).toEqual(
      known.map((answer) => ({ ...answer, retryAfter: answer.retryAfter !== null })),
    );

    // The owner's browser keeps its own allowance.
    const fromOwnBrowser = await centerSignIn(center, tenant.userName, tenant.temporaryPassword, ownBrowser);
    expect(fromOwnBrowser.response.status).toBe(303);

    const mail = await center.mailbox.waitFor('owner@guarded.example', {
      subject: new RegExp(en('mail.lockout.subject')),
    });
    expect(mail.Text).toContain(tenant.userName);
    expect(mail.Text).toContain(en('mail.lockout.protected'));
    expect(mail.Text).not.toContain('wrong-');
    const mails = await center.mailbox.list();
    expect(
      mails.filter((summary) => summary.To.some((to) => to.Address === 'owner@guarded.example')),
    ).toHaveLength(1);
  });

  test('an unknown user name costs the same statements as a wrong password', async () => {
    const tenant = await center.provision({ companyName: 'Same Work' });
    const statementsOf = async (userName: string) => {
      recording = [];
      try {
        const { response } = await centerSignIn(center, userName, 'wrong-password');
        expect(response.status).toBe(401);
        return recording;
      } finally {
        recording = undefined;
      }
    };
    const known = await statementsOf(tenant.userName);
    const unknown = await statementsOf(`nobody-${Date.now()}@same-work.onlineservices.example`);
    expect(unknown).toEqual(known);
  });

  test('a portal or Passport session opens nothing here: the Center reads only its own cookie', async () => {
    const { admin } = await readyTenant('Separate Trust');
    const centerCookie = admin.cookie('osa_session')!;
    expect(centerCookie).toBeTruthy();
    expect(admin.cookieNames.every((name) => name.startsWith('osa_'))).toBe(true);
    // Another service's cookies, even carrying a live Center session id under their own names.
    for (const cookie of [
      `os_session=${centerCookie}`,
      `rp_session=${centerCookie}`,
      'idp_session=x; _session=y',
    ]) {
      for (const path of ['/', '/users', '/settings']) {
        const response = await fetch(`${center.url}${path}`, { headers: { cookie }, redirect: 'manual' });
        expect(response.status, `${cookie} ${path}`).toBe(303);
        expect(response.headers.get('location')).toBe('/sign-in');
      }
    }
    const signInPage = await fetch(`${center.url}/sign-in`, {
      headers: { cookie: `os_session=${centerCookie}` },
    });
    expect(signInPage.status).toBe(200);
    expect(await mainText(signInPage)).toContain(en('sign_in.title'));
  });

  test('sessions: HttpOnly, SameSite=Lax, only a hash stored, ended by sign-out, idle time and age', async () => {
    const tenant = await center.provision({ companyName: 'Session Rules' });
    const { response } = await centerSignIn(center, tenant.userName, tenant.temporaryPassword);
    const cookie = response.headers.getSetCookie().find((header) => header.startsWith('osa_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i);
    const id = /^osa_session=([^;]+)/.exec(cookie)![1]!;
    const stored = await center.db.selectFrom('admin_sessions').select('id_hash').execute();
    expect(stored.map((row) => row.id_hash)).not.toContain(id);

    const session = await signInFirstTime(
      center,
      tenant.userName,
      tenant.temporaryPassword,
      'Session-pass-1',
    );
    const copy = session.copy();
    expect((await post(session, center, '/sign-out', {})).headers.get('location')).toBe(
      '/sign-in?signed_out=1',
    );
    expect((await copy.request(`${center.url}/administrator/new`)).headers.get('location')).toBe('/sign-in');

    // Time passing is the store's clock moved back: no sleeping.
    for (const column of ['last_seen_at', 'expires_at'] as const) {
      const { session: live } = await centerSignIn(center, tenant.userName, 'Session-pass-1');
      expect((await live.request(`${center.url}/administrator/new`)).status).toBe(200);
      const userId = tenant.adminUserId;
      await center.db
        .updateTable('admin_sessions')
        .set(
          column === 'last_seen_at'
            ? { last_seen_at: Date.now() - 31 * 60_000 }
            : { expires_at: Date.now() - 1 },
        )
        .where('admin_user_id', '=', userId)
        .execute();
      expect((await live.request(`${center.url}/administrator/new`)).headers.get('location'), column).toBe(
        '/sign-in',
      );
    }
  });

  test('health, and the pages in both languages without a missing word', async () => {
    expect((await fetch(`${center.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${center.url}/readyz`)).status).toBe(200);
    const { admin, domain } = await readyTenant('Bilingual Ltda');
    const switched = await admin.request(`${center.url}/language?lang=pt-BR&return=/users`);
    expect(switched.status).toBe(303);
    expect(admin.cookie('osa_lang')).toBe('pt-BR');
    const pt = adminCenterCatalogues.t('pt-BR');
    const danaId = await userIdOf(center, `dana@${domain}`);
    for (const path of [
      '/',
      '/users',
      '/users/new',
      `/users/${danaId}`,
      '/settings',
      '/services',
      '/audit',
      '/password',
    ]) {
      const response = await admin.request(`${center.url}${path}`);
      expect(response.status, path).toBe(200);
      const html = await response.text();
      expect(html).toContain('<html lang="pt-BR">');
      expect(untranslatedKeys(html, adminCenterCatalogues), path).toEqual([]);
      expect(englishLeftovers(html, adminCenterCatalogues, 'pt-BR'), path).toEqual([]);
    }
    const signIn = await fetch(`${center.url}/sign-in`, { headers: { 'accept-language': 'pt-BR,pt;q=0.9' } });
    expect(await mainText(signIn)).toContain(pt('sign_in.title'));
    const refused = await fetch(`${center.url}/sign-in`, {
      method: 'POST',
      headers: {
        'accept-language': 'pt-BR',
        'content-type': 'application/x-www-form-urlencoded',
        origin: center.url,
      },
      body: 'user_name=&password=',
    });
    expect(refused.status).toBe(400);
    const refusedHtml = await refused.text();
    expect(untranslatedKeys(refusedHtml, adminCenterCatalogues)).toEqual([]);
    expect(refusedHtml).toContain(pt('form.required', { label: pt('fields.user_name') }));
  });

  test('every catalogue key exists in both languages', () => {
    expect(adminCenterCatalogues.keys('pt-BR').sort()).toEqual(adminCenterCatalogues.keys('en').sort());
  });
});

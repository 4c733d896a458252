import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ACR_STRONG } from '../../idp/oidc/acr.ts';
import { seedDemoData } from '../../relying-party/customersource/organizations/seed.ts';
import { createIdpClient } from '../../relying-party/kit/auth/idp-client.ts';
import type { SiteConfig } from '../../shared/config/site.ts';
import { type Member, signedInMember } from '../helpers/extranet-admin.ts';
import { startIdpAndExtranet } from '../helpers/extranet-flow.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { freePort } from '../helpers/ports.ts';
import { reserveExtranet, startTestExtranet } from '../helpers/relying-party.ts';

// Requirements of OWASP ASVS 5.0 (V6.8, V10.5) that a site on the kit meets by
// refusing what an authorization server sends it. Passport never sends such
// things, so an OpenID Provider of the test's own stands in for a hostile or
// broken one.

type IdTokenChange = {
  claims?: Record<string, unknown>;
  unsigned?: boolean;
  /** Signed by a key the provider never published. */
  unpublishedKey?: boolean;
};

/** A minimal OpenID Provider that answers the code flow with the ID token a test asks for. */
async function startRogueProvider() {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'rogue', alg: 'RS256', use: 'sig' };
  const unpublished = await generateKeyPair('RS256');
  let metadataIssuer = issuer;
  let change: IdTokenChange = {};
  let clientId = '';
  let nonce = '';
  let authorizations = 0;

  async function idToken() {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: issuer,
      sub: 'rogue-subject',
      aud: clientId,
      nonce,
      acr: ACR_STRONG,
      auth_time: now,
      iat: now,
      exp: now + 600,
      ...change.claims,
    };
    if (change.unsigned) {
      const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
    }
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'rogue' })
      .sign(change.unpublishedKey ? unpublished.privateKey : privateKey);
  }

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url!, issuer);
    const json = (body: unknown) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/openid-configuration') {
      return json({
        issuer: metadataIssuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        end_session_endpoint: `${issuer}/session/end`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
      });
    }
    if (url.pathname === '/jwks') return json({ keys: [jwk] });
    if (url.pathname === '/authorize') {
      authorizations += 1;
      clientId = url.searchParams.get('client_id') ?? '';
      nonce = url.searchParams.get('nonce') ?? '';
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('code', 'rogue-code');
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      response.writeHead(303, { location: back.href });
      return response.end();
    }
    if (url.pathname === '/token' && request.method === 'POST') {
      request.resume();
      request.on('end', async () => {
        json({
          access_token: 'rogue-access-token',
          token_type: 'Bearer',
          expires_in: 600,
          id_token: await idToken(),
        });
      });
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    issuer,
    get authorizations() {
      return authorizations;
    },
    answerWith(next: IdTokenChange) {
      change = next;
    },
    claimIssuer(value: string) {
      metadataIssuer = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('a site on the kit, against an authorization server it must not believe', () => {
  let rogue: Awaited<ReturnType<typeof startRogueProvider>>;
  let site: Awaited<ReturnType<typeof startTestExtranet>>;

  beforeAll(async () => {
    rogue = await startRogueProvider();
    const { url } = await reserveExtranet();
    site = await startTestExtranet({ url, issuer: rogue.issuer });
  });
  afterAll(async () => {
    await site?.close();
    await rogue?.close();
  });

  /** A browser signs in at the site; the rogue provider answers with the ID token it was told to. */
  async function signInWith(change: IdTokenChange) {
    rogue.answerWith(change);
    const browser = new HttpSession();
    const before = rogue.authorizations;
    const end = await browser.follow(`${site.url}/auth/sign-in?return=/`);
    expect(rogue.authorizations).toBe(before + 1);
    return { status: end.response.status, signedIn: browser.cookieNames.includes('rp_session') };
  }

  test('an ID token that is not for this site, not from its issuer, unsigned, badly signed, expired or with another nonce makes no session', async () => {
    // The provider itself works: an honest answer signs the visitor in.
    expect(await signInWith({})).toEqual({ status: 200, signedIn: true });

    for (const [name, change] of [
      ['for another audience', { claims: { aud: 'another-site' } }],
      [
        'for this site and another, authorized for the other',
        { claims: { aud: ['customersource', 'x'], azp: 'x' } },
      ],
      ['from another issuer', { claims: { iss: 'http://evil.example' } }],
      ['unsigned (alg none)', { unsigned: true }],
      ['signed by a key the provider never published', { unpublishedKey: true }],
      ['expired', { claims: { exp: Math.floor(Date.now() / 1000) - 600 } }],
      ['with another nonce', { claims: { nonce: 'not-the-one-sent' } }],
    ] as const) {
      const answer = await signInWith(change);
      expect(answer.signedIn, name).toBe(false);
      expect(answer.status, name).toBe(400);
    }
  });

  test('signing in again in the same browser ends the session it had: a new session id, the old one dead', async () => {
    rogue.answerWith({});
    const browser = new HttpSession();
    await browser.follow(`${site.url}/auth/sign-in?return=/`);
    const first = browser.cookie('rp_session');
    expect(first).toBeTruthy();
    // Someone who copied the cookie off the device.
    const old = browser.copy();
    expect((await old.request(`${site.url}/associate`)).status).toBe(200);

    await browser.follow(`${site.url}/auth/sign-in?return=/`);
    const second = browser.cookie('rp_session');
    expect(second).toBeTruthy();
    expect(second).not.toBe(first);
    const gone = await old.request(`${site.url}/associate`);
    expect(gone.status).toBe(303);
    expect(gone.headers.get('location')).toMatch(/sign-in/);
  });

  test('metadata naming another issuer than the configured one is refused', async () => {
    const config = {
      issuer: rogue.issuer,
      clientId: 'customersource',
      clientSecret: 'x'.repeat(32),
      url: site.url,
    };
    rogue.claimIssuer('http://evil.example');
    try {
      await expect(createIdpClient(config as SiteConfig).configuration()).rejects.toThrow(/issuer/);
    } finally {
      rogue.claimIssuer(rogue.issuer);
    }
    await expect(createIdpClient(config as SiteConfig).configuration()).resolves.toBeDefined();
  });
});

describe('CustomerSource: fields and pages by role', () => {
  let services: Awaited<ReturnType<typeof startIdpAndExtranet>>;
  let dana: Member; // administrator of Contoso
  let riley: Member; // support staff
  const ids: Record<string, string> = {};
  const db = () => services.extranet.db;

  async function profileIdByEmail(email: string) {
    return (
      await db()
        .selectFrom('profiles')
        .select('id')
        .where('email_key', '=', email)
        .where('removed_at', 'is', null)
        .executeTakeFirstOrThrow()
    ).id;
  }

  beforeAll(async () => {
    services = await startIdpAndExtranet();
    expect(await seedDemoData(db())).toBe(true);
    for (const email of ['dana@contoso.example', 'lee@contoso.example', 'support@customersource.example']) {
      ids[email] = await profileIdByEmail(email);
    }
    const fabrikam = await db()
      .selectFrom('organizations')
      .select('id')
      .where('name', '=', 'Fabrikam Tools')
      .executeTakeFirstOrThrow();
    ids.fabrikam = fabrikam.id;
    dana = await signedInMember(services, ids['dana@contoso.example']);
    riley = await signedInMember(services, ids['support@customersource.example']);
  });
  afterAll(async () => services?.close());

  const organizationsNow = () =>
    db().selectFrom('organizations').select(['id', 'plan', 'plan_ends_at']).orderBy('id').execute();

  test("an administrator's profile forms set only their own fields: an organization, a plan or the support role sent alongside changes nothing", async () => {
    const lee = ids['lee@contoso.example']!;
    const rolesOf = (memberId: string) =>
      db()
        .selectFrom('member_roles')
        .select(['organization_id', 'role_key', 'scope'])
        .where('member_id', '=', memberId)
        .orderBy('role_key')
        .execute();
    const before = await db()
      .selectFrom('profiles')
      .selectAll()
      .where('id', '=', lee)
      .executeTakeFirstOrThrow();
    const rolesBefore = await rolesOf(lee);
    const organizations = await organizationsNow();
    const smuggled = {
      organization_id: ids.fabrikam!,
      role: 'support',
      role_key: 'support',
      is_support: 'yes',
      scope: '',
      removed_at: '1',
      plan: 'enhancement',
      plan_ends_at: '2099-12-31',
      id: ids['dana@contoso.example']!,
    };

    const edited = await dana.browser.request(`${services.extranet.url}/account/profiles/${lee}`, {
      form: { name: 'Lee Renamed', email: 'lee@contoso.example', ...smuggled },
    });
    expect(edited.status).toBe(303);
    const after = await db()
      .selectFrom('profiles')
      .selectAll()
      .where('id', '=', lee)
      .executeTakeFirstOrThrow();
    expect(after).toEqual({ ...before, name: 'Lee Renamed' });
    expect(await rolesOf(lee)).toEqual(rolesBefore);

    const added = await dana.browser.request(`${services.extranet.url}/account/profiles`, {
      form: { name: 'Noor New', email: 'noor@contoso.example', ...smuggled },
    });
    expect(added.status).toBe(303);
    const noor = await db()
      .selectFrom('profiles')
      .selectAll()
      .where('email_key', '=', 'noor@contoso.example')
      .executeTakeFirstOrThrow();
    expect(noor).toMatchObject({ organization_id: before.organization_id, removed_at: null });
    expect(await rolesOf(noor.id)).toEqual([]);
    expect(await organizationsNow()).toEqual(organizations);
  });

  test('every page a signed-in member sees offers sign-out', async () => {
    const lee = ids['lee@contoso.example']!;
    const pages: [Member, string][] = [
      [dana, '/'],
      [dana, '/resources'],
      [dana, '/profile'],
      [dana, '/account'],
      [dana, '/account/profiles'],
      [dana, '/account/profiles/new'],
      [dana, `/account/profiles/${lee}`],
      [dana, `/account/profiles/${lee}/remove`],
      [riley, '/support'],
      [riley, `/support/organizations/${ids.fabrikam}`],
    ];
    for (const [member, path] of pages) {
      const { response } = await member.browser.follow(`${services.extranet.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(await response.text(), path).toMatch(/<form method="post" action="\/auth\/sign-out"/);
    }
  });
});

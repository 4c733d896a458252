import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SharedTables } from '../../shared/db/tables.ts';
import { sharedTablesOf } from '../../shared/mail/outbox.ts';
import { newPerson, signUpForm } from '../helpers/accounts.ts';
import {
  addOrganization,
  addProfile,
  followThroughPassport,
  signInToExtranet,
  startIdpAndExtranet,
} from '../helpers/extranet-flow.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { firstLink } from '../helpers/mailbox.ts';

/** What a service wrote to its log, at the level operators run. */
function capturedLog() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: { level: 'info', stream }, text: () => lines.join('') };
}

const PUBLIC_PARAMETERS = new Set([
  'client_id',
  'redirect_uri',
  'post_logout_redirect_uri',
  'scope',
  'response_type',
  'response_mode',
  'code_challenge_method',
  'ui_locales',
  'acr_values',
  'prompt',
]);

/** Every token-like value the person's browser saw: in URLs, cookies, mails and the forms it sent. */
class Secrets {
  readonly values = new Set<string>();

  value(raw: string) {
    for (const candidate of [raw, safeDecode(raw), ...raw.split('.')]) {
      // Short values (a country code, "yes") would match by chance; every secret is longer.
      if (candidate.length >= 8) this.values.add(candidate);
    }
  }

  url(raw: string | URL) {
    const url = new URL(raw);
    for (const segment of url.pathname.split('/')) if (segment.length >= 16) this.value(segment);
    for (const [name, value] of url.searchParams) {
      // Who the site is and what it asks for are public; logs may name the client.
      if (PUBLIC_PARAMETERS.has(name)) continue;
      this.value(value);
      // A return address carries the link it came from (`return=/associate/<token>`).
      for (const segment of value.split(/[/?&=]/)) if (segment.length >= 16) this.value(segment);
    }
  }
}

function safeDecode(value: string) {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** A browser that writes down every secret it sees on the way. */
class RecordingSession extends HttpSession {
  readonly secrets: Secrets;

  constructor(secrets: Secrets) {
    super();
    this.secrets = secrets;
  }

  override async request(url: string | URL, init: RequestInit & { form?: Record<string, string> } = {}) {
    this.secrets.url(url);
    for (const value of Object.values(init.form ?? {})) this.secrets.value(value);
    const response = await super.request(url, init);
    const location = response.headers.get('location');
    if (location) this.secrets.url(new URL(location, url));
    for (const cookie of response.headers.getSetCookie()) {
      const pair = cookie.split(';')[0]!;
      this.secrets.value(pair.slice(pair.indexOf('=') + 1));
    }
    return response;
  }
}

/** Every outbox row of the stores, as text, once each mail in them has been marked sent. */
async function untilDelivered(stores: Kysely<SharedTables>[]): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const rows = (
      await Promise.all(stores.map((db) => db.selectFrom('outbox').selectAll().execute()))
    ).flat();
    if (rows.every((row) => row.sent_at !== null)) return JSON.stringify(rows);
    if (Date.now() > deadline) throw new Error('the outbox still holds unsent mail');
    await delay(50);
  }
}

describe('logs and outboxes of a whole run', () => {
  const idpLog = capturedLog();
  const extranetLog = capturedLog();
  let pair: Awaited<ReturnType<typeof startIdpAndExtranet>>;

  beforeAll(async () => {
    pair = await startIdpAndExtranet({ loggers: { idp: idpLog.logger, extranet: extranetLog.logger } });
  });
  afterAll(async () => pair?.close());

  test('sign-up, activation, reset by link, association and sign-out leave no token in either log nor in either outbox', async () => {
    const { idp, extranet, mailbox } = pair;
    const secrets = new Secrets();
    const browser = new RecordingSession(secrets);
    const person = newPerson();

    const signedUp = await browser.request(`${idp.issuer}/signup`, { form: await signUpForm(idp, person) });
    expect(signedUp.status).toBe(200);
    const activation = firstLink(
      await mailbox.waitFor(person.email, { subject: /Activate/ }),
      `${idp.issuer}/activate/`,
    );
    secrets.url(activation);
    expect((await browser.request(activation, { method: 'POST' })).status).toBe(200);

    const asked = await browser.request(`${idp.issuer}/password/reset/email`, {
      form: { email: person.email },
    });
    expect(asked.status).toBe(200);
    const reset = firstLink(
      await mailbox.waitFor(person.email, { subject: /Reset your Passport password/ }),
      `${idp.issuer}/password/reset/link/`,
    );
    secrets.url(reset);
    expect((await browser.request(reset)).status).toBe(200);
    person.password = `Reset-Password-${randomBytes(4).toString('hex')}`;
    const changed = await browser.request(reset, {
      form: { password: person.password, password2: person.password },
    });
    expect(await changed.text()).toContain('Your password has been changed');

    const organizationId = await addOrganization(extranet.db, { name: 'Contoso Logs' });
    await addProfile(extranet.db, { organizationId, name: 'Ada Lovelace', email: person.email });
    const landed = await signInToExtranet(extranet, person, { browser });
    expect(landed.url.pathname).toBe('/associate');
    expect(
      (await browser.request(`${extranet.url}/associate`, { form: { email: person.email } })).status,
    ).toBe(200);
    const association = firstLink(
      await mailbox.waitFor(person.email, { subject: /Associate your Passport/ }),
      `${extranet.url}/associate/`,
    );
    secrets.url(association);
    const opened = await followThroughPassport(browser, association, person);
    expect(await opened.response.text()).toContain('Associate my Passport');
    const associated = await browser.request(association, { form: {} });
    expect(await associated.text()).toContain('You have successfully associated your Passport');

    const signOut = await browser.follow(`${extranet.url}/auth/sign-out`, { method: 'POST' });
    const confirm = await signOut.response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(confirm)![1]!.replace(/&amp;/g, '&');
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm)![1]!;
    const done = await browser.follow(new URL(action, signOut.url), { form: { xsrf, logout: 'yes' } });
    expect(done.url.href).toBe(`${extranet.url}/?state=signed-out`);

    const logs = { idp: idpLog.text(), extranet: extranetLog.text() };
    // The run was logged: requests by route, the mail sent, the back-channel logout received.
    expect(logs.idp).toContain('"route":"/password/reset/link/*"');
    expect(logs.idp).toContain('mail sent');
    expect(logs.extranet).toContain('"route":"/auth/callback"');
    expect(logs.extranet).toContain('"route":"/auth/backchannel-logout"');
    expect(secrets.values.size).toBeGreaterThan(20);

    // Nor at rest: once delivered, no mail in either outbox holds its link.
    const outboxes = await untilDelivered([sharedTablesOf(idp.db), sharedTablesOf(extranet.db)]);
    // The recipient stays (who was mailed, and when, is the row's record); no token does.
    const kept = [...secrets.values].filter((secret) => !secret.includes('@') && outboxes.includes(secret));
    expect(kept).toEqual([]);

    for (const [service, log] of Object.entries(logs)) {
      const leaks = [...secrets.values]
        .filter((secret) => log.includes(secret))
        .map((secret) => ({ service, secret, line: log.split('\n').find((line) => line.includes(secret)) }));
      expect(leaks).toEqual([]);
      // ID tokens and logout tokens (JWTs) never reach the test's browser whole; no log holds one.
      expect(log).not.toMatch(/eyJ[\w-]+\.eyJ/);
    }
  });
});

import { randomBytes } from 'node:crypto';
import type { LogEvent } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pendingAssociationRequests } from '../../relying-party/customersource/linking/repository.ts';
import { createLinking } from '../../relying-party/customersource/linking/service.ts';
import { registerPerson } from '../helpers/accounts.ts';
import {
  addOrganization,
  addProfile,
  signInToExtranet,
  startIdpAndExtranet,
} from '../helpers/extranet-flow.ts';
import type { HttpSession } from '../helpers/http-session.ts';
import { STORES } from '../helpers/idp.ts';

type Pair = Awaited<ReturnType<typeof startIdpAndExtranet>>;

const tag = () => randomBytes(4).toString('hex');

/**
 * Asking to associate an address must not tell whether the extranet knows it:
 * not by the page, and not by the time the answer takes. Time is not measured
 * here (a timed assertion proves nothing on a busy machine); instead the test
 * shows that the request does the same work for both, statement for statement,
 * and that the work that differs (profiles, tokens, mail) happens after the answer.
 */
describe.each(STORES)('association answers known and unknown addresses alike (extranet on %s)', (store) => {
  let pair: Pair;
  let recording: string[] | undefined;

  beforeAll(async () => {
    pair = await startIdpAndExtranet({
      store,
      queryLog: (event: LogEvent) => {
        if (event.level === 'query') recording?.push(event.query.sql);
      },
    });
  });
  afterAll(async () => pair?.close());

  /** The answer to one request and every statement the extranet ran meanwhile. */
  async function whileRecording(request: () => Promise<Response>) {
    recording = [];
    try {
      const response = await request();
      return { status: response.status, body: await response.text(), statements: recording };
    } finally {
      recording = undefined;
    }
  }

  async function outboxTo(address: string) {
    const rows = await pair.extranet.db
      .selectFrom('outbox')
      .select('id')
      .where('recipient', '=', address)
      .execute();
    return rows.length;
  }

  function ask(browser: HttpSession, email: string) {
    return browser.request(`${pair.extranet.url}/associate`, { form: { email } });
  }

  test('a known and an unknown address run the same statements and get the same bytes; the mail follows the answer', async () => {
    const { db, workers } = pair.extranet;
    const known = `Known.${tag()}@Contoso.example`;
    const unknown = `nobody.${tag()}@contoso.example`;
    const organizationId = await addOrganization(db, { name: `Contoso ${tag()}` });
    await addProfile(db, { organizationId, name: 'Kim Known', email: known });
    const person = await registerPerson(pair.idp);
    const { browser, url } = await signInToExtranet({ url: pair.extranet.url }, person);
    expect(url.pathname).toBe('/associate');

    // Background work would run statements of its own while the requests are recorded.
    await workers.associations.stop();
    await workers.mail.stop();

    const forKnown = await whileRecording(() => ask(browser, known));
    const forUnknown = await whileRecording(() => ask(browser, unknown));
    expect(forKnown.status).toBe(200);
    expect(forUnknown.status).toBe(200);
    expect(forUnknown.body).toBe(forKnown.body);
    expect(forKnown.statements.length).toBeGreaterThan(0);
    expect(forUnknown.statements).toEqual(forKnown.statements);
    expect(await outboxTo(known)).toBe(0);

    // After the answers: the owner of the known address is mailed, nobody else.
    expect(await workers.associations.resolveDue()).toBe(1);
    expect(await workers.mail.deliverDue()).toBe(1);
    const mail = await pair.mailbox.waitFor(known, { subject: /Associate your Passport/ });
    expect(mail.Text).toContain('Kim Known');
    expect(await outboxTo(unknown)).toBe(0);
    expect(await db.selectFrom('association_requests').selectAll().execute()).toEqual([]);
  });

  test('a queued request is resolved once, even when two copies of the extranet race for it', async () => {
    const { db, workers } = pair.extranet;
    await workers.associations.stop();
    const address = `raced.${tag()}@fabrikam.example`;
    const organizationId = await addOrganization(db, { name: `Fabrikam ${tag()}` });
    const profileId = await addProfile(db, { organizationId, name: 'Rae Raced', email: address });
    const person = await registerPerson(pair.idp);
    const { browser } = await signInToExtranet({ url: pair.extranet.url }, person);
    expect((await ask(browser, address)).status).toBe(200);

    // Both copies have read the queue before either takes the request.
    const [request] = await pendingAssociationRequests(db, 10);
    const copy = () => createLinking({ db, siteUrl: pair.extranet.url, mailQueued: () => {} });
    const mails = await Promise.all([
      copy().resolveQueuedRequest(request!),
      copy().resolveQueuedRequest(request!),
    ]);
    expect(mails.sort()).toEqual([0, 1]);
    const tokens = await db
      .selectFrom('association_tokens')
      .select('token_hash')
      .where('profile_id', '=', profileId)
      .execute();
    expect(tokens).toHaveLength(1);
    expect(await outboxTo(address)).toBe(1);
  });
});

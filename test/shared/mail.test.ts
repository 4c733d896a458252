import path from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { up as clearExtranetMailBodies } from '../../migrations/customersource/0003_clear_sent_mail_bodies.ts';
import { up as clearIdpMailBodies } from '../../migrations/idp/0007_clear_sent_mail_bodies.ts';
import type { SharedTables } from '../../shared/db/tables.ts';
import { type DevMailbox, startDevMailbox } from '../../shared/mail/dev-mailbox.ts';
import { enqueueMail } from '../../shared/mail/outbox.ts';
import { createMailTransport } from '../../shared/mail/transport.ts';
import { type MailWorker, startMailWorker } from '../../shared/mail/worker.ts';
import type { RetrySchedule } from '../../shared/queue/retry-schedule.ts';
import { createTestDatabase, STORES, type TestDatabase } from '../helpers/databases.ts';
import { createMailbox, firstLink, type Mailbox } from '../helpers/mailbox.ts';
import { freePort } from '../helpers/ports.ts';

const MIGRATIONS = path.join(import.meta.dirname, '..', '..', 'migrations', 'idp');
const FROM = 'Passport Network <no-reply@passport.test>';
// Tests drive delivery with deliverDue(); the poll must never race them.
const NEVER = 3_600_000;

type LogEntry = { level: string; details: object; message?: string };

function recordingLog(entries: LogEntry[]) {
  const at = (level: string) => (details: object, message?: string) => {
    entries.push({ level, details, message });
  };
  return { info: at('info'), warn: at('warn'), error: at('error') };
}

describe.each(STORES)('mail outbox on %s', (store) => {
  let database: TestDatabase<SharedTables>;
  let db: Kysely<SharedTables>;
  let devMailbox: DevMailbox;
  let mailbox: Mailbox;
  let workers: MailWorker[] = [];
  let logEntries: LogEntry[] = [];

  function startWorker(
    smtpPort: number,
    polling: { pollMs: number; retrySchedule?: RetrySchedule; giveUpAfterMs?: number } = { pollMs: NEVER },
  ): MailWorker {
    const worker = startMailWorker({
      db,
      transport: createMailTransport(`smtp://127.0.0.1:${smtpPort}`),
      from: FROM,
      log: recordingLog(logEntries),
      ...polling,
    });
    workers.push(worker);
    return worker;
  }

  beforeAll(async () => {
    database = await createTestDatabase<SharedTables>(store, MIGRATIONS);
    db = database.db;
    devMailbox = await startDevMailbox({ smtpPort: 0, httpPort: 0 });
    mailbox = createMailbox(`http://localhost:${devMailbox.httpPort}`);
  });

  afterAll(async () => {
    await devMailbox?.close();
    await database?.cleanup();
  });

  beforeEach(async () => {
    await db.deleteFrom('outbox').execute();
    await mailbox.clear();
    logEntries = [];
  });

  afterEach(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    workers = [];
  });

  test('a mail queued in a committed transaction reaches the mailbox with its recipient, subject, text and HTML', async () => {
    const worker = startWorker(devMailbox.smtpPort);
    await db.transaction().execute((tx) =>
      enqueueMail(tx, {
        to: 'ada@example.test',
        subject: 'Activate your Passport',
        text: 'Open https://passport.example/activate/t0ken-1 to activate your account.',
        html: '<p><a href="https://passport.example/activate/t0ken-1">Activate your account</a></p>',
      }),
    );

    expect(await worker.deliverDue()).toBe(1);

    const mail = await mailbox.waitFor('ada@example.test', { subject: /Activate/ });
    expect(mail.To).toEqual([{ Name: '', Address: 'ada@example.test' }]);
    expect(mail.From).toEqual({ Name: 'Passport Network', Address: 'no-reply@passport.test' });
    expect(mail.Subject).toBe('Activate your Passport');
    expect(mail.Text.trim()).toBe('Open https://passport.example/activate/t0ken-1 to activate your account.');
    expect(mail.HTML).toContain(
      '<a href="https://passport.example/activate/t0ken-1">Activate your account</a>',
    );
    expect(firstLink(mail, '/activate/')).toBe('https://passport.example/activate/t0ken-1');

    const [summary, ...others] = await mailbox.list();
    expect(others).toEqual([]);
    expect(summary).toMatchObject({ ID: mail.ID, Subject: 'Activate your Passport', To: mail.To });
    expect(Number.isNaN(Date.parse(summary!.Created))).toBe(false);

    const row = await db.selectFrom('outbox').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ attempts: 0, claimed_until: null, last_error: null });
    expect(row.sent_at).toBeTypeOf('number');
    expect(mail.MessageID).toBe(`${row.id}@passport.test`);
    expect(await worker.deliverDue()).toBe(0);
    expect(JSON.stringify(logEntries)).not.toMatch(/t0ken|ada@example/);
  });

  test('wake() sends mail right after its commit, without waiting for the poll', async () => {
    const worker = startWorker(devMailbox.smtpPort);
    await db
      .transaction()
      .execute((tx) =>
        enqueueMail(tx, { to: 'grace@example.test', subject: 'Welcome', text: 'Hello Grace' }),
      );

    worker.wake();
    worker.wake();

    const mail = await mailbox.waitFor('grace@example.test', { timeoutMs: 5000 });
    expect(mail.Text.trim()).toBe('Hello Grace');
    expect(mail.HTML).toBe('');
    await worker.stop();
    expect(await mailbox.list()).toHaveLength(1);
  });

  test('a mail queued in a transaction that rolls back is never sent', async () => {
    const worker = startWorker(devMailbox.smtpPort);

    await expect(
      db.transaction().execute(async (tx) => {
        await enqueueMail(tx, { to: 'rollback@example.test', subject: 'Should not exist', text: 'No' });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');

    expect(await worker.deliverDue()).toBe(0);
    expect(await db.selectFrom('outbox').select('id').execute()).toEqual([]);
    expect(await mailbox.list()).toEqual([]);
  });

  test('an SMTP outage delays mail and loses none; two workers then send each mail once', async () => {
    const port = await freePort();
    const before = Date.now();
    const recipients = ['reader1@example.test', 'reader2@example.test', 'reader3@example.test'];
    await db.transaction().execute(async (tx) => {
      for (const to of recipients) await enqueueMail(tx, { to, subject: 'Notice', text: `For ${to}` });
    });
    const first = startWorker(port);

    expect(await first.deliverDue()).toBe(0);

    const waiting = await db.selectFrom('outbox').selectAll().execute();
    expect(waiting).toHaveLength(3);
    for (const row of waiting) {
      expect(row).toMatchObject({ attempts: 1, sent_at: null, claimed_until: null });
      expect(row.next_attempt_at).toBeGreaterThanOrEqual(before + 2000);
      expect(row.last_error).toMatch(/ECONNREFUSED/);
    }
    // Backing off: a retry before next_attempt_at does not happen.
    expect(await first.deliverDue()).toBe(0);
    expect(await db.selectFrom('outbox').select('attempts').execute()).toEqual([
      { attempts: 1 },
      { attempts: 1 },
      { attempts: 1 },
    ]);

    const restored = await startDevMailbox({ smtpPort: port, httpPort: 0 });
    try {
      const restoredMailbox = createMailbox(`http://localhost:${restored.httpPort}`);
      await db.updateTable('outbox').set({ next_attempt_at: Date.now() }).execute();
      const second = startWorker(port);

      const [sentByFirst, sentBySecond] = await Promise.all([first.deliverDue(), second.deliverDue()]);

      expect(sentByFirst + sentBySecond).toBe(3);
      expect(await first.deliverDue()).toBe(0);
      expect(await second.deliverDue()).toBe(0);
      const received = await restoredMailbox.list();
      expect(received.map((mail) => mail.To[0]?.Address).sort()).toEqual(recipients);
      const rows = await db.selectFrom('outbox').select(['sent_at', 'claimed_until']).execute();
      for (const row of rows) {
        expect(row.sent_at).toBeTypeOf('number');
        expect(row.claimed_until).toBeNull();
      }
    } finally {
      await restored.close();
    }
  });

  test('SMTP stopped, then restarted: every mail queued meanwhile arrives, exactly once, with two workers polling', async () => {
    // The default schedule's timing is proved in retry-schedule.test.ts; here a minute is 100 ms.
    const quick = { baseDelayMs: 10, boundedDelayMs: 100, boundedForMs: 1000, maxDelayMs: 200 };
    const port = await freePort();
    await (await startDevMailbox({ smtpPort: port, httpPort: 0 })).close();
    const recipients = Array.from({ length: 6 }, (_, index) => `outage${index}@example.test`);
    startWorker(port, { pollMs: 20, retrySchedule: quick });
    startWorker(port, { pollMs: 20, retrySchedule: quick });
    for (const to of recipients)
      await enqueueMail(db, { to, subject: 'During the outage', text: `For ${to}` });

    // Well past the bounded window: the workers keep trying and keep every mail.
    await vi.waitFor(
      async () => {
        for (const row of await db.selectFrom('outbox').select(['attempts', 'sent_at']).execute()) {
          expect(row.sent_at).toBeNull();
          expect(row.attempts).toBeGreaterThanOrEqual(8);
        }
      },
      { timeout: 20_000, interval: 50 },
    );
    const restored = await startDevMailbox({ smtpPort: port, httpPort: 0 });
    try {
      const restoredMailbox = createMailbox(`http://localhost:${restored.httpPort}`);
      await vi.waitFor(
        async () => {
          const waiting = await db.selectFrom('outbox').select('id').where('sent_at', 'is', null).execute();
          expect(waiting).toEqual([]);
        },
        { timeout: 20_000, interval: 50 },
      );
      await Promise.all(workers.map((worker) => worker.stop()));
      const received = await restoredMailbox.list();
      expect(received.map((mail) => mail.To[0]?.Address).sort()).toEqual(recipients.sort());
    } finally {
      await restored.close();
    }
  });

  test('a mail still undelivered when its links have expired is given up, logged with its id and cause, and tried no more', async () => {
    await enqueueMail(
      db,
      { to: 'late@example.test', subject: 'Reset', text: 'Open /link/l4te-t0ken' },
      Date.now() - 4 * 24 * 60 * 60 * 1000,
    );
    const down = startWorker(await freePort(), { pollMs: NEVER, giveUpAfterMs: 3 * 24 * 60 * 60 * 1000 });

    expect(await down.deliverDue()).toBe(0);

    const row = await db.selectFrom('outbox').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ attempts: 1, sent_at: null, claimed_until: null });
    expect(row.gave_up_at).toBeTypeOf('number');
    expect(row.last_error).toMatch(/ECONNREFUSED/);
    const givenUp = logEntries.filter((entry) => entry.level === 'error');
    expect(givenUp).toHaveLength(1);
    expect(givenUp[0]!.details).toMatchObject({ mailId: row.id, attempts: 1 });
    expect(JSON.stringify(logEntries)).not.toMatch(/l4te-t0ken|late@example/);

    await db.updateTable('outbox').set({ next_attempt_at: 0 }).execute();
    expect(await startWorker(devMailbox.smtpPort).deliverDue()).toBe(0);
    expect(await mailbox.list()).toEqual([]);
  });

  test("a delivered mail's body (with its live link) does not stay in the outbox; an undelivered one keeps it for the retry", async () => {
    const link = 'https://passport.example/password/reset/link/l1ve-t0ken';
    await enqueueMail(db, {
      to: 'kept@example.test',
      subject: 'Reset',
      text: `Open ${link}`,
      html: `<a href="${link}">Reset</a>`,
    });
    const down = startWorker(await freePort());
    expect(await down.deliverDue()).toBe(0);
    expect(
      await db.selectFrom('outbox').select(['text_body', 'html_body']).executeTakeFirstOrThrow(),
    ).toEqual({
      text_body: `Open ${link}`,
      html_body: `<a href="${link}">Reset</a>`,
    });

    await db.updateTable('outbox').set({ next_attempt_at: Date.now() }).execute();
    expect(await startWorker(devMailbox.smtpPort).deliverDue()).toBe(1);

    expect((await mailbox.waitFor('kept@example.test')).Text).toContain(link);
    const row = await db.selectFrom('outbox').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      recipient: 'kept@example.test',
      subject: 'Reset',
      text_body: '',
      html_body: null,
    });
    expect(row.sent_at).toBeTypeOf('number');
    expect(JSON.stringify(row)).not.toContain('l1ve-t0ken');
  });

  test('mail delivered before the upgrade loses its body too; mail still waiting keeps it', async () => {
    await enqueueMail(db, {
      to: 'old@example.test',
      subject: 'Reset',
      text: 'Open /link/0ld-t0ken',
      html: '<a>0ld</a>',
    });
    await enqueueMail(db, { to: 'due@example.test', subject: 'Reset', text: 'Open /link/due-t0ken' });
    await db
      .updateTable('outbox')
      .set({ sent_at: Date.now() })
      .where('recipient', '=', 'old@example.test')
      .execute();

    for (const upgrade of [clearIdpMailBodies, clearExtranetMailBodies])
      await upgrade(db as unknown as Kysely<unknown>);

    const rows = await db
      .selectFrom('outbox')
      .select(['recipient', 'text_body', 'html_body'])
      .orderBy('recipient')
      .execute();
    expect(rows).toEqual([
      { recipient: 'due@example.test', text_body: 'Open /link/due-t0ken', html_body: null },
      { recipient: 'old@example.test', text_body: '', html_body: null },
    ]);
  });

  test('a mail claimed by a live worker is left to it; one whose claim lapsed is taken over', async () => {
    const worker = startWorker(devMailbox.smtpPort);
    await enqueueMail(db, { to: 'claimed@example.test', subject: 'Claimed', text: 'Once' });

    await db
      .updateTable('outbox')
      .set({ claimed_until: Date.now() + 60_000 })
      .execute();
    expect(await worker.deliverDue()).toBe(0);

    // The worker that held the claim died before sending.
    await db
      .updateTable('outbox')
      .set({ claimed_until: Date.now() - 1 })
      .execute();
    expect(await worker.deliverDue()).toBe(1);
    expect(await mailbox.list()).toHaveLength(1);
  });
});

describe('dev mailbox', () => {
  let devMailbox: DevMailbox;
  let mailbox: Mailbox;
  let baseUrl: string;
  const transport = () => createMailTransport(`smtp://127.0.0.1:${devMailbox.smtpPort}`);

  beforeAll(async () => {
    devMailbox = await startDevMailbox({ smtpPort: 0, httpPort: 0 });
    baseUrl = `http://localhost:${devMailbox.httpPort}`;
    mailbox = createMailbox(baseUrl);
  });

  afterAll(async () => {
    await devMailbox?.close();
  });

  beforeEach(async () => {
    await mailbox.clear();
  });

  test('answers 404 with a JSON error for an unknown message', async () => {
    const response = await fetch(`${baseUrl}/api/v1/message/no-such-id`);

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: expect.any(String) });
  });

  test('escapes mail content in its inbox and message pages', async () => {
    await transport().sendMail({
      from: FROM,
      to: 'mallory@example.test',
      subject: '<script>alert("x")</script> & more',
      text: 'Go to https://example.test/a?b=1&c=2 now',
      html: '<p onclick="steal()">"quoted" <b>bold</b></p>',
    });
    const mail = await mailbox.waitFor('mallory@example.test');

    const inbox = await fetch(`${baseUrl}/`);
    const inboxHtml = await inbox.text();
    expect(inbox.headers.get('content-type')).toMatch(/^text\/html/);
    expect(inbox.headers.get('content-security-policy')).toContain("script-src 'none'");
    expect(inboxHtml).not.toContain('<script>');
    expect(inboxHtml).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more');
    expect(inboxHtml).toContain(`href="/view/${mail.ID}"`);

    const viewHtml = await (await fetch(`${baseUrl}/view/${mail.ID}`)).text();
    expect(viewHtml).not.toContain('<script>');
    expect(viewHtml).not.toContain('<p onclick');
    expect(viewHtml).toMatch(
      /<iframe [^>]*sandbox="[^"]*"[^>]*srcdoc="[^"<>]*&lt;p onclick=&quot;steal\(\)&quot;&gt;/,
    );
    expect(viewHtml).toContain('<a href="https://example.test/a?b=1&amp;c=2">');
  });

  test('lists newest first, honours limit and forgets everything on DELETE', async () => {
    const sender = transport();
    for (const subject of ['First', 'Second', 'Third']) {
      await sender.sendMail({ from: FROM, to: 'lister@example.test', subject, text: `${subject} mail body` });
    }

    const page = await (await fetch(`${baseUrl}/api/v1/messages?limit=2`)).json();
    expect(page).toMatchObject({ total: 3, count: 2 });
    expect(page.messages.map((mail: { Subject: string }) => mail.Subject)).toEqual(['Third', 'Second']);
    expect(page.messages[0]).toMatchObject({
      From: { Name: 'Passport Network', Address: 'no-reply@passport.test' },
      To: [{ Name: '', Address: 'lister@example.test' }],
      Snippet: 'Third mail body',
    });

    await mailbox.clear();
    expect(await mailbox.list()).toEqual([]);
  });
});

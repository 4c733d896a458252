import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { queueLogout } from '../../idp/backchannel/repository.ts';
import type { IdpTables } from '../../idp/database.ts';
import { sweepExpired } from '../../idp/maintenance.ts';
import { databaseShortLivedStore } from '../../idp/state/database-store.ts';
import { enqueueMail } from '../../shared/mail/outbox.ts';
import { createTestDatabase, STORES, type TestDatabase } from '../helpers/databases.ts';

const MIGRATIONS = path.join(import.meta.dirname, '..', '..', 'migrations', 'idp');
const DAY = 24 * 60 * 60 * 1000;

describe.each(STORES)('the IdP sweep on %s', (store) => {
  let database: TestDatabase<IdpTables>;
  const now = Date.now();

  beforeAll(async () => {
    database = await createTestDatabase<IdpTables>(store, MIGRATIONS);
  });

  afterAll(async () => {
    await database?.cleanup();
  });

  test('drops mail sent or given up over a week ago and keeps mail still owed', async () => {
    const { db } = database;
    for (const to of ['sent-long-ago', 'sent-yesterday', 'given-up-long-ago', 'given-up-yesterday', 'owed'])
      await enqueueMail(db, { to: `${to}@example.test`, subject: 'Hello', text: 'Hi' }, now - 10 * DAY);
    const mark = (to: string, values: { sent_at?: number; gave_up_at?: number }) =>
      db.updateTable('outbox').set(values).where('recipient', '=', `${to}@example.test`).execute();
    await mark('sent-long-ago', { sent_at: now - 8 * DAY });
    await mark('sent-yesterday', { sent_at: now - DAY });
    await mark('given-up-long-ago', { gave_up_at: now - 8 * DAY });
    await mark('given-up-yesterday', { gave_up_at: now - DAY });

    await sweepExpired(db, databaseShortLivedStore(db), now);

    const left = await db.selectFrom('outbox').select('recipient').orderBy('recipient').execute();
    expect(left.map((row) => row.recipient)).toEqual([
      'given-up-yesterday@example.test',
      'owed@example.test',
      'sent-yesterday@example.test',
    ]);
  });

  test('drops back-channel logouts delivered or given up over a week ago and keeps those still owed', async () => {
    const { db } = database;
    for (const accountId of ['delivered-long-ago', 'delivered-yesterday', 'given-up-long-ago', 'owed'])
      await queueLogout(db, { clientId: 'extranet', accountId, sid: 'sid' }, now - 10 * DAY);
    const mark = (accountId: string, values: { delivered_at?: number; gave_up_at?: number }) =>
      db.updateTable('backchannel_logouts').set(values).where('account_id', '=', accountId).execute();
    await mark('delivered-long-ago', { delivered_at: now - 8 * DAY });
    await mark('delivered-yesterday', { delivered_at: now - DAY });
    await mark('given-up-long-ago', { gave_up_at: now - 8 * DAY });

    await sweepExpired(db, databaseShortLivedStore(db), now);

    const left = await db
      .selectFrom('backchannel_logouts')
      .select('account_id')
      .orderBy('account_id')
      .execute();
    expect(left.map((row) => row.account_id)).toEqual(['delivered-yesterday', 'owed']);
  });

  test('drops mailed links spent or expired over a week ago; a recent one still says "already used"', async () => {
    const { db } = database;
    const token = (name: string, times: { expires_at: number; consumed_at: number | null }) => ({
      token_hash: name,
      purpose: 'reset',
      email_key: `${name}@example.test`,
      account_id: null,
      payload: '{}',
      created_at: now - 10 * DAY,
      ...times,
    });
    await db
      .insertInto('email_tokens')
      .values([
        token('spent-long-ago', { expires_at: now + DAY, consumed_at: now - 8 * DAY }),
        token('spent-yesterday', { expires_at: now + DAY, consumed_at: now - DAY }),
        token('expired-long-ago', { expires_at: now - 8 * DAY, consumed_at: null }),
        token('expired-yesterday', { expires_at: now - DAY, consumed_at: null }),
        token('live', { expires_at: now + DAY, consumed_at: null }),
      ])
      .execute();

    await sweepExpired(db, databaseShortLivedStore(db), now);

    const left = await db.selectFrom('email_tokens').select('token_hash').orderBy('token_hash').execute();
    expect(left.map((row) => row.token_hash)).toEqual(['expired-yesterday', 'live', 'spent-yesterday']);
  });
});

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RelyingPartyTables } from '../../relying-party/customersource/database.ts';
import { issueAssociationToken } from '../../relying-party/customersource/linking/tokens.ts';
import { sweepExpired } from '../../relying-party/customersource/maintenance.ts';
import { enqueueMail } from '../../shared/mail/outbox.ts';
import { createTestDatabase, STORES, type TestDatabase } from '../helpers/databases.ts';
import { addOrganization, addProfile } from '../helpers/extranet-flow.ts';

const MIGRATIONS = path.join(import.meta.dirname, '..', '..', 'migrations', 'customersource');
const DAY = 24 * 60 * 60 * 1000;

describe.each(STORES)('the extranet sweep on %s', (store) => {
  let database: TestDatabase<RelyingPartyTables>;
  const now = Date.now();

  beforeAll(async () => {
    database = await createTestDatabase<RelyingPartyTables>(store, MIGRATIONS);
  });

  afterAll(async () => {
    await database?.cleanup();
  });

  test('drops association links and invites spent or expired over a week ago, and keeps the rest', async () => {
    const { db } = database;
    const organizationId = await addOrganization(db, { name: 'Contoso' });
    const profileId = await addProfile(db, { organizationId, name: 'Ada', email: 'ada@contoso.example' });
    const issue = async (issuedDaysAgo: number, spentDaysAgo: number | null) => {
      await issueAssociationToken(
        db,
        { profileId, purpose: issuedDaysAgo > 5 ? 'invite' : 'association', boundTo: null },
        now - issuedDaysAgo * DAY,
      );
      const row = await db
        .selectFrom('association_tokens')
        .select('token_hash')
        .where('created_at', '=', now - issuedDaysAgo * DAY)
        .executeTakeFirstOrThrow();
      if (spentDaysAgo !== null)
        await db
          .updateTable('association_tokens')
          .set({ consumed_at: now - spentDaysAgo * DAY })
          .where('token_hash', '=', row.token_hash)
          .execute();
      return row.token_hash;
    };
    // Links live three days: issued 11 days ago, one expired 8 days ago.
    await issue(11, null);
    const spentLongAgo = await issue(10, 9);
    const expiredYesterday = await issue(4, null);
    const spentYesterday = await issue(2, 1);
    const live = await issue(1, null);

    await sweepExpired(db, now);

    const left = await db.selectFrom('association_tokens').select('token_hash').execute();
    expect(left.map((row) => row.token_hash).sort()).toEqual([expiredYesterday, spentYesterday, live].sort());
    expect(left.map((row) => row.token_hash)).not.toContain(spentLongAgo);
  });

  test('drops mail sent or given up over a week ago and keeps mail still owed', async () => {
    const { db } = database;
    for (const to of ['sent-long-ago', 'sent-yesterday', 'given-up-long-ago', 'owed'])
      await enqueueMail(db, { to: `${to}@example.test`, subject: 'Hello', text: 'Hi' }, now - 10 * DAY);
    const mark = (to: string, values: { sent_at?: number; gave_up_at?: number }) =>
      db.updateTable('outbox').set(values).where('recipient', '=', `${to}@example.test`).execute();
    await mark('sent-long-ago', { sent_at: now - 8 * DAY });
    await mark('sent-yesterday', { sent_at: now - DAY });
    await mark('given-up-long-ago', { gave_up_at: now - 8 * DAY });

    await sweepExpired(db, now);

    const left = await db.selectFrom('outbox').select('recipient').orderBy('recipient').execute();
    expect(left.map((row) => row.recipient)).toEqual(['owed@example.test', 'sent-yesterday@example.test']);
  });
});

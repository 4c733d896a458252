import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  centerSignIn,
  post,
  startTestAdministrationCenter,
  type TestAdministrationCenter,
} from '../helpers/admin-center.ts';

/**
 * The password change on PostgreSQL, where requests really run side by side:
 * the new password, the end of the temporary one and of its stored copy are one
 * transaction, and of two changes racing on one temporary password exactly one wins.
 */
describe('the Administration Center on PostgreSQL', () => {
  let center: TestAdministrationCenter;

  beforeAll(async () => {
    center = await startTestAdministrationCenter({ store: 'postgres' });
  });
  afterAll(async () => center?.close());

  test('the first sign-in changes the temporary password, and it stops working', async () => {
    const tenant = await center.provision({ companyName: 'Postgres Path' });
    const { session, response } = await centerSignIn(center, tenant.userName, tenant.temporaryPassword);
    expect(response.headers.get('location')).toBe('/password');
    const changed = await post(session, center, '/password', {
      current_password: tenant.temporaryPassword,
      new_password: 'Postgres-pass-1',
      retype_password: 'Postgres-pass-1',
    });
    expect(changed.status).toBe(303);
    const credentials = await center.db
      .selectFrom('temporary_credentials')
      .selectAll()
      .where('admin_user_id', '=', tenant.adminUserId)
      .executeTakeFirstOrThrow();
    expect(credentials).toMatchObject({ ciphertext: null, destroyed_reason: 'changed' });
    expect((await centerSignIn(center, tenant.userName, tenant.temporaryPassword)).response.status).toBe(401);
    expect((await centerSignIn(center, tenant.userName, 'Postgres-pass-1')).response.status).toBe(303);
  });

  test('of two changes racing on one temporary password, exactly one wins', async () => {
    for (let round = 0; round < 3; round++) {
      const tenant = await center.provision({ companyName: `Racing Changes ${round}` });
      const first = await centerSignIn(center, tenant.userName, tenant.temporaryPassword);
      const second = await centerSignIn(center, tenant.userName, tenant.temporaryPassword);
      const change = (session: typeof first.session, chosen: string) =>
        post(session, center, '/password', {
          current_password: tenant.temporaryPassword,
          new_password: chosen,
          retype_password: chosen,
        });
      const answers = await Promise.all([
        change(first.session, 'First-racer-1'),
        change(second.session, 'Second-racer-2'),
      ]);
      const statuses = answers.map((answer) => answer.status);
      expect(
        statuses.filter((status) => status === 303),
        `round ${round}: ${statuses}`,
      ).toHaveLength(1);
      // The loser was told why: the password changed under it (409), or its current password no longer holds (400).
      expect([400, 409]).toContain(statuses.find((status) => status !== 303));

      const winner = statuses[0] === 303 ? 'First-racer-1' : 'Second-racer-2';
      const loser = winner === 'First-racer-1' ? 'Second-racer-2' : 'First-racer-1';
      expect((await centerSignIn(center, tenant.userName, winner)).response.status).toBe(303);
      expect((await centerSignIn(center, tenant.userName, loser)).response.status).toBe(401);
      expect((await centerSignIn(center, tenant.userName, tenant.temporaryPassword)).response.status).toBe(
        401,
      );
      const changes = await center.db
        .selectFrom('admin_audit')
        .select('id')
        .where('tenant_id', '=', tenant.tenantId)
        .where('action', '=', 'temporary_password_changed')
        .execute();
      expect(changes).toHaveLength(1);
    }
  });
});

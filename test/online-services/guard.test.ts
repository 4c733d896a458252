import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSignInGuard, RetryLater } from '../../relying-party/online-services/admin-center/guard.ts';
import { type OnlineServicesTables, OS_MIGRATIONS } from '../../relying-party/online-services/database.ts';
import { databaseCounters } from '../../shared/state/counters.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.ts';

const MINUTE_MS = 60_000;

/** The Center's sign-in guard on the real counters, its clock in the test's hand. */
describe("the Administration Center's sign-in guard", () => {
  let store: TestDatabase<OnlineServicesTables>;
  let clock = 1_000_000_000_000;
  let guard: ReturnType<typeof createSignInGuard>;

  beforeAll(async () => {
    store = await createTestDatabase<OnlineServicesTables>('sqlite', OS_MIGRATIONS);
    guard = createSignInGuard({
      counters: databaseCounters(store.db),
      limits: {
        account: { failures: 3, windowMs: 15 * MINUTE_MS },
        device: { failures: 5, windowMs: 15 * MINUTE_MS },
        network: { failures: 8, windowMs: 15 * MINUTE_MS },
        firstDelayMs: 1000,
        maxDelayMs: 8000,
      },
      now: () => clock,
    });
  });
  afterAll(async () => store?.cleanup());

  async function fail(attempt: Parameters<typeof guard.check>[0]) {
    return (await guard.check(attempt)).failed();
  }

  async function waitAsked(attempt: Parameters<typeof guard.check>[0]): Promise<number> {
    const refusal = await guard.check(attempt).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(RetryLater);
    return (refusal as RetryLater).retryAfterSeconds;
  }

  test('past the limit each failure doubles the wait, up to the cap, and the owner hears of it once', async () => {
    const attempt = { target: { adminUserId: 'user-doubling' }, address: '192.0.2.10' };
    expect(await fail(attempt)).toEqual({});
    expect(await fail(attempt)).toEqual({});
    expect(await fail(attempt)).toEqual({ reachedLimit: 3 });
    expect(await waitAsked(attempt)).toBe(1);
    for (const seconds of [2, 4, 8, 8]) {
      clock += 60_000;
      expect(await fail(attempt)).toEqual({});
      expect(await waitAsked(attempt)).toBe(seconds);
    }
  });

  test('the owner’s own browser keeps its allowance while the account lane waits', async () => {
    const target = { adminUserId: 'user-device' };
    for (let i = 0; i < 3; i++) await fail({ target, address: '198.51.100.1' });
    await waitAsked({ target, address: '198.51.100.2' });
    const fromOwnBrowser = await guard.check({
      target,
      address: '203.0.113.9',
      trustedDevice: 'device-hash',
    });
    await fromOwnBrowser.succeeded();
  });

  test('one network guessing many user names is held back, known or not', async () => {
    const address = '2001:db8:aa:bb::1';
    for (let i = 0; i < 8; i++) await fail({ target: { userName: `guess-${i}@x.example` }, address });
    // Another address of the same /64 is the same network.
    await waitAsked({ target: { adminUserId: 'someone-else' }, address: '2001:db8:aa:bb::99' });
  });

  test('a right password takes back its try, so a success never costs the owner', async () => {
    const attempt = { target: { adminUserId: 'user-success' }, address: '192.0.2.77' };
    await fail(attempt);
    await fail(attempt);
    for (let i = 0; i < 5; i++) await (await guard.check(attempt)).succeeded();
    expect(await fail(attempt)).toEqual({ reachedLimit: 3 });
  });
});

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { STORES } from '../helpers/idp.ts';
import { formatReport, fuzzTarget } from './harness.ts';
import { type FuzzServices, fuzzTargets, startFuzzServices } from './targets.ts';

// A small budget per target and store for the suite; `npm run fuzz` runs the large one.
const RUNS = Number(process.env.FUZZ_TEST_RUNS ?? 5);

// PostgreSQL too: it refuses values (a NUL in text) that SQLite stores, so it finds what SQLite hides.
describe.each(STORES)('generated input to every form and OIDC endpoint on %s', (store) => {
  let services: FuzzServices;
  beforeAll(async () => {
    services = await startFuzzServices({ store });
  }, 120_000);
  afterAll(async () => services?.close());

  test('no 5xx, no crash, nothing stored from a refusal', { timeout: 600_000 }, async () => {
    const failures: string[] = [];
    for (const target of fuzzTargets(services)) {
      const report = await fuzzTarget(target, { runs: RUNS });
      if (report.failure) failures.push(formatReport([report]));
    }
    expect(failures).toEqual([]);
  });
});

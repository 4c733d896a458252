import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { STORES } from '../helpers/idp.ts';
import { type FuzzTarget, formatReport, fuzzTarget } from './harness.ts';
import { type SiteFuzzServices, siteFuzzTargets, startSiteFuzzServices } from './sites.ts';
import { type FuzzServices, fuzzTargets, startFuzzServices } from './targets.ts';

// A small budget per target and store for the suite; `npm run fuzz` runs the large one.
const RUNS = Number(process.env.FUZZ_TEST_RUNS ?? 5);
// The kit's sites make a Passport and a signed-in member for many inputs: fewer of them keep the file quick.
const SITE_RUNS = Number(process.env.FUZZ_TEST_SITE_RUNS ?? 2);

async function failuresOf(targets: FuzzTarget[], runs: number) {
  const failures: string[] = [];
  for (const target of targets) {
    const report = await fuzzTarget(target, { runs });
    if (report.failure) failures.push(formatReport([report]));
  }
  return failures;
}

// PostgreSQL too: it refuses values (a NUL in text) that SQLite stores, so it finds what SQLite hides.
describe.each(STORES)('generated input to every form and OIDC endpoint on %s', (store) => {
  let services: FuzzServices;
  beforeAll(async () => {
    services = await startFuzzServices({ store });
  }, 120_000);
  afterAll(async () => services?.close());

  test('no 5xx, no crash, nothing stored from a refusal', { timeout: 600_000 }, async () => {
    expect(await failuresOf(fuzzTargets(services), RUNS)).toEqual([]);
  });
});

describe.each(STORES)(
  'generated input to every form of the Membership Center and Online Services on %s',
  (store) => {
    let services: SiteFuzzServices;
    beforeAll(async () => {
      services = await startSiteFuzzServices({ store });
    }, 120_000);
    afterAll(async () => services?.close());

    test('no 5xx, no crash, nothing stored from a refusal', { timeout: 600_000 }, async () => {
      expect(await failuresOf(siteFuzzTargets(services), SITE_RUNS)).toEqual([]);
    });
  },
);

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { formatReport, fuzzTarget } from './harness.ts';
import { type FuzzServices, fuzzTargets, startFuzzServices } from './targets.ts';

// A small budget per target for the suite; `npm run fuzz` runs the large one.
const RUNS = Number(process.env.FUZZ_TEST_RUNS ?? 8);

describe('generated input on every form and OIDC endpoint: no 5xx, no crash, nothing stored from a refusal', () => {
  let services: FuzzServices;
  beforeAll(async () => {
    services = await startFuzzServices();
  }, 120_000);
  afterAll(async () => services?.close());

  test('every target', { timeout: 600_000 }, async () => {
    const failures = [];
    for (const target of fuzzTargets(services)) {
      const report = await fuzzTarget(target, { runs: RUNS });
      if (report.failure) failures.push(formatReport([report]));
    }
    expect(failures).toEqual([]);
  });
});

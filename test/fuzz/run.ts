import { formatReport, fuzzTarget, type TargetReport } from './harness.ts';
import { siteFuzzTargets, startSiteFuzzServices } from './sites.ts';
import { fuzzTargets, startFuzzServices } from './targets.ts';

/**
 * `npm run fuzz`: every target gets FUZZ_RUNS generated inputs (enough for
 * 10,000 in all by default) against a real Passport, CustomerSource, Membership
 * Center and Online Services; one line per target, and exit code 1 when any
 * oracle failed. FUZZ_SEED replays a run, FUZZ_ONLY keeps the targets whose name
 * contains one of its comma-separated parts, FUZZ_VERBOSE prints every input with
 * its status, FUZZ_STORE=postgres puts every service on PostgreSQL.
 */
const store = process.env.FUZZ_STORE === 'postgres' ? 'postgres' : 'sqlite';
const services = await startFuzzServices({ store });
const sites = await startSiteFuzzServices({ store }).catch(async (error: unknown) => {
  await services.close();
  throw error;
});
const reports: TargetReport[] = [];
try {
  const only = process.env.FUZZ_ONLY?.split(',').filter(Boolean);
  const targets = [...fuzzTargets(services), ...siteFuzzTargets(sites)].filter(
    (target) => !only || only.some((part) => target.name.includes(part)),
  );
  const runs = Number(process.env.FUZZ_RUNS ?? Math.ceil(10_000 / targets.length));
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
  console.log(
    `${targets.length} targets, ${runs} inputs each, on ${store}; FUZZ_SEED=${seed} replays this run`,
  );
  for (const target of targets) {
    const report = await fuzzTarget(target, { runs, seed, verbose: Boolean(process.env.FUZZ_VERBOSE) });
    console.log(formatReport([report]).split('\n').slice(0, -1).join('\n'));
    reports.push(report);
  }
  console.log(`\n${formatReport(reports).split('\n').at(-1)}`);
} finally {
  await sites.close();
  await services.close();
}
process.exit(reports.some((report) => report.failure) ? 1 : 0);

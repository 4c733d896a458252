import { performance } from 'node:perf_hooks';

/** One thing measured: an operation each worker repeats, with any state it keeps per worker. */
export type Side = {
  name: string;
  /** Untimed set-up before the first round (tokens to refresh, for instance). */
  prepare?: (workers: number) => Promise<void>;
  operation: (worker: number) => Promise<void>;
};

export type Figure = {
  /** Operations per second over every timed round. */
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  operations: number;
};

export type LoadOptions = { concurrency: number; rounds: number; roundMs: number; warmUpMs: number };

type Sample = { operations: number; ms: number; latencies: number[] };

/** `concurrency` workers repeat the operation back to back until the time is up. */
async function drive(side: Side, concurrency: number, durationMs: number): Promise<Sample> {
  const latencies: number[] = [];
  const start = performance.now();
  const end = start + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (performance.now() < end) {
        const begun = performance.now();
        await side.operation(worker);
        latencies.push(performance.now() - begun);
      }
    }),
  );
  return { operations: latencies.length, ms: performance.now() - start, latencies };
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

/**
 * Measures the sides in turn, A B A B, for several short rounds each, so a
 * slow moment of the machine falls on every side alike; the ratio between
 * sides is the result, more than any one figure.
 */
export async function alternate(sides: Side[], options: LoadOptions): Promise<Map<string, Figure>> {
  for (const side of sides) {
    await side.prepare?.(options.concurrency);
    if (options.warmUpMs > 0) await drive(side, options.concurrency, options.warmUpMs);
  }
  const samples = new Map<string, Sample[]>(sides.map((side) => [side.name, []]));
  for (let round = 0; round < options.rounds; round++) {
    for (const side of sides) {
      samples.get(side.name)!.push(await drive(side, options.concurrency, options.roundMs));
    }
  }
  return new Map(
    [...samples].map(([name, taken]) => {
      const operations = taken.reduce((sum, sample) => sum + sample.operations, 0);
      const ms = taken.reduce((sum, sample) => sum + sample.ms, 0);
      const sorted = taken.flatMap((sample) => sample.latencies).sort((a, b) => a - b);
      return [
        name,
        {
          perSecond: (operations / ms) * 1000,
          p50Ms: percentile(sorted, 0.5),
          p99Ms: percentile(sorted, 0.99),
          operations,
        },
      ];
    }),
  );
}

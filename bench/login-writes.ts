// Database writes of one full login (authorize, sign-in, code, token,
// userinfo), by table, on each database with and without Redis. Counted from
// the IdP's own query log, so the numbers are statements, not guesses.
// Run with `npm run bench:writes` (PostgreSQL and Redis on their usual ports).
import { countLoginWrites, totalWrites } from '../test/helpers/login-writes.ts';

for (const store of ['sqlite', 'postgres'] as const) {
  for (const redis of [false, true]) {
    const writes = await countLoginWrites({ store, redis });
    const tables = [...writes.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([table, count]) => `${table} ${count}`)
      .join(', ');
    const shape = `${store}${redis ? ' + redis' : ''}`.padEnd(18);
    console.log(`${shape}${String(totalWrites(writes)).padStart(3)} writes  (${tables})`);
  }
}

// The containers' health check: `node scripts/healthcheck.ts <url> [public host]`.
// The services answer only at their public host (else 421), so the check asks the
// local listener under that name. Exit 0 on a 2xx within the time, 1 otherwise.
import http from 'node:http';

const [target, publicHost] = process.argv.slice(2);
if (!target || !URL.canParse(target)) {
  console.error('usage: node scripts/healthcheck.ts <http://127.0.0.1:PORT/readyz> [public host]');
  process.exit(2);
}

const request = http.get(
  target,
  { headers: publicHost ? { host: publicHost } : {}, timeout: 4000 },
  (response) => {
    response.resume();
    const healthy = (response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 300;
    if (!healthy) console.error(`${target} answered ${response.statusCode}`);
    process.exit(healthy ? 0 : 1);
  },
);
request.on('timeout', () => request.destroy(new Error('no answer in time')));
request.on('error', (error) => {
  console.error(`${target}: ${error.message}`);
  process.exit(1);
});

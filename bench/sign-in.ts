// Sign-in cost against its floor: one argon2id verification. Both are measured
// interleaved in one run, so machine load affects them alike; the ratio is the
// result, not the milliseconds. Run with `npm run bench`.
import { performance } from 'node:perf_hooks';
import { verifySecret } from '../shared/security/hashing.ts';
import { registerPerson } from '../test/helpers/accounts.ts';
import { HttpSession } from '../test/helpers/http-session.ts';
import { startTestIdp } from '../test/helpers/idp.ts';
import { authorizationRequest, discover, REDIRECT_URI } from '../test/helpers/oidc-client.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);
const SECRET = 'bench-client-secret-0123456789-0123456789';

const idp = await startTestIdp({
  clients: [{ client_id: 'bench', client_secret: SECRET, first_party: true, redirect_uris: [REDIRECT_URI] }],
});
try {
  const person = await registerPerson(idp);
  const { password_hash: hash } = await idp.db
    .selectFrom('accounts')
    .select('password_hash')
    .where('email', '=', person.email)
    .executeTakeFirstOrThrow();
  const config = await discover(idp.issuer, 'bench', SECRET);

  /** A browser standing at the sign-in page, so only the sign-in POST is timed. */
  async function atSignInPage() {
    const browser = new HttpSession();
    const { url } = await browser.follow((await authorizationRequest(config)).url);
    return { browser, loginUrl: `${url.origin}${url.pathname}/login` };
  }

  const hashOnly: number[] = [];
  const signIn: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const { browser, loginUrl } = await atSignInPage();
    let start = performance.now();
    await verifySecret(hash, person.password);
    hashOnly.push(performance.now() - start);

    start = performance.now();
    const response = await browser.request(loginUrl, {
      form: { email: person.email, password: person.password },
    });
    signIn.push(performance.now() - start);
    if (response.status !== 303) throw new Error(`sign-in answered ${response.status}`);
  }

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const hashMs = median(hashOnly);
  const signInMs = median(signIn);
  console.log(`rounds                      ${ROUNDS}`);
  console.log(`argon2id verify (median)    ${hashMs.toFixed(1)} ms`);
  console.log(`sign-in POST (median)       ${signInMs.toFixed(1)} ms`);
  console.log(`sign-in / argon2id          ${(signInMs / hashMs).toFixed(2)}x`);
  console.log(`sign-in beyond the hash     ${(signInMs - hashMs).toFixed(1)} ms`);
} finally {
  await idp.close();
}

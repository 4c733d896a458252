import type { RelyingPartyDatabase } from '../../relying-party/customersource/database.ts';
import { registerPerson, type TestPerson } from './accounts.ts';
import { signInToExtranet, type TestExtranet } from './extranet-flow.ts';
import type { HttpSession } from './http-session.ts';
import type { TestIdp } from './idp.ts';

export type Identity = { issuer: string; subject: string };

/**
 * The federated identity of the newest extranet session: right after a sign-in,
 * the person who just signed in (tests in a file run one after another).
 */
export async function newestSignIn(db: RelyingPartyDatabase): Promise<Identity> {
  return db
    .selectFrom('sessions')
    .select(['issuer', 'subject'])
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
}

/** Links a Passport to a profile as a completed association would. */
export async function linkPassport(db: RelyingPartyDatabase, identity: Identity, profileId: string) {
  await db
    .insertInto('links')
    .values({ ...identity, profile_id: profileId, created_at: Date.now() })
    .execute();
}

export type Member = { person: TestPerson; browser: HttpSession; identity: Identity };

/**
 * A person with a new Passport, signed in to the extranet over HTTP and linked
 * to `profileId`: the starting point of every administration test.
 */
export async function signedInMember(
  services: { idp: TestIdp; extranet: TestExtranet },
  profileId: string | undefined,
): Promise<Member> {
  const person = await registerPerson(services.idp);
  const front = `${services.extranet.url}/`;
  const { browser, url } = await signInToExtranet(services.extranet, person, {
    stopAt: (location) => location.href === front,
  });
  if (url.href !== front) throw new Error(`sign-in ended at ${url.href}, not at the front door`);
  const identity = await newestSignIn(services.extranet.db);
  if (profileId) await linkPassport(services.extranet.db, identity, profileId);
  return { person, browser, identity };
}

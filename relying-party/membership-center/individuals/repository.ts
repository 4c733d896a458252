import { randomUUID } from 'node:crypto';
import type { CenterStore, IndividualTable } from '../tables.ts';

export type Identity = { issuer: string; subject: string };
export type IndividualProfile = { name: string; email: string; phone: string; country: string };

export async function findIndividual(db: CenterStore, identity: Identity) {
  return db
    .selectFrom('individuals')
    .selectAll()
    .where('issuer', '=', identity.issuer)
    .where('subject', '=', identity.subject)
    .executeTakeFirst();
}

/** An Individual Profile for a Passport the Center did not know; undefined when it knows it now. */
export async function insertIndividual(
  db: CenterStore,
  identity: Identity,
  profile: IndividualProfile & { language: string },
  now = Date.now(),
): Promise<IndividualTable | undefined> {
  const row: IndividualTable = {
    id: randomUUID(),
    issuer: identity.issuer,
    subject: identity.subject,
    ...profile,
    organization_id: null,
    location_id: null,
    created_at: now,
  };
  // Two tabs completing the profile at once: the unique identity lets one in.
  const result = await db
    .insertInto('individuals')
    .values(row)
    .onConflict((conflict) => conflict.columns(['issuer', 'subject']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1 ? row : undefined;
}

export async function updateIndividual(db: CenterStore, id: string, profile: IndividualProfile) {
  await db.updateTable('individuals').set(profile).where('id', '=', id).execute();
}

/** Demo data only: an individual waiting for the first Passport of its e-mail (issuer ''). */
export const UNCLAIMED_ISSUER = '';

/**
 * The demo people of the README are seeded before anyone has a Passport; the
 * first Passport signed in with the demo e-mail becomes that person, once.
 */
export async function claimDemoIndividual(db: CenterStore, identity: Identity, email: string) {
  const result = await db
    .updateTable('individuals')
    .set({ issuer: identity.issuer, subject: identity.subject })
    .where('issuer', '=', UNCLAIMED_ISSUER)
    .where('subject', '=', `unclaimed:${email.toLowerCase()}`)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

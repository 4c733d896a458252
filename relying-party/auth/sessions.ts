import { createHash, randomBytes } from 'node:crypto';
import type { RelyingPartyDatabase } from '../database.ts';

export type Identity = { issuer: string; subject: string };

function hashSessionId(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

/** Server-side sessions: the cookie holds a random id, the store only its hash. */
export async function createSession(
  db: RelyingPartyDatabase,
  session: Identity & { idpSid: string | null; idToken: string; authenticatedAt: number; ttlMs: number },
): Promise<string> {
  const id = randomBytes(32).toString('base64url');
  const now = Date.now();
  await db
    .insertInto('sessions')
    .values({
      id_hash: hashSessionId(id),
      issuer: session.issuer,
      subject: session.subject,
      idp_sid: session.idpSid,
      id_token: session.idToken,
      profile_id: null,
      authenticated_at: session.authenticatedAt,
      created_at: now,
      expires_at: now + session.ttlMs,
    })
    .execute();
  return id;
}

export async function findSession(db: RelyingPartyDatabase, id: string | undefined) {
  if (!id || id.length > 100) return undefined;
  const row = await db
    .selectFrom('sessions')
    .selectAll()
    .where('id_hash', '=', hashSessionId(id))
    .where('expires_at', '>', Date.now())
    .executeTakeFirst();
  return row;
}

export async function chooseSessionProfile(db: RelyingPartyDatabase, id: string, profileId: string) {
  await db
    .updateTable('sessions')
    .set({ profile_id: profileId })
    .where('id_hash', '=', hashSessionId(id))
    .execute();
}

export async function endSession(db: RelyingPartyDatabase, id: string) {
  await db.deleteFrom('sessions').where('id_hash', '=', hashSessionId(id)).execute();
}

/** What a back-channel logout names: one IdP session (sid), or every session of a subject. */
export async function endSessionsFor(
  db: RelyingPartyDatabase,
  target: { issuer: string; sid?: string; subject?: string },
): Promise<number> {
  let query = db.deleteFrom('sessions').where('issuer', '=', target.issuer);
  if (target.sid) query = query.where('idp_sid', '=', target.sid);
  if (target.subject) query = query.where('subject', '=', target.subject);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function sweepSessions(db: RelyingPartyDatabase, now = Date.now()) {
  await db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
  await db.deleteFrom('logout_tokens_seen').where('expires_at', '<=', now).execute();
}

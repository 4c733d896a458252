import { createHash, randomBytes } from 'node:crypto';
import type { KitDatabase } from '../tables.ts';

export type Identity = { issuer: string; subject: string };

/** The stored key of a session id; a site that keeps its own columns on the session finds its row by it. */
export function hashSessionId(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

/** Server-side sessions: the cookie holds a random id, the store only its hash. */
export async function createSession(
  db: KitDatabase,
  session: Identity & {
    idpSid: string | null;
    idToken: string;
    authenticatedAt: number;
    acr: string | null;
    email: string | null;
    name: string | null;
    ttlMs: number;
  },
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
      authenticated_at: session.authenticatedAt,
      acr: session.acr,
      email: session.email,
      name: session.name,
      created_at: now,
      expires_at: now + session.ttlMs,
    })
    .execute();
  return id;
}

export async function findSession(db: KitDatabase, id: string | undefined) {
  if (!id || id.length > 100) return undefined;
  const row = await db
    .selectFrom('sessions')
    .selectAll()
    .where('id_hash', '=', hashSessionId(id))
    .where('expires_at', '>', Date.now())
    .executeTakeFirst();
  return row;
}

export async function endSession(db: KitDatabase, id: string) {
  await db.deleteFrom('sessions').where('id_hash', '=', hashSessionId(id)).execute();
}

/** What a back-channel logout names: one IdP session (sid), or every session of a subject. */
export async function endSessionsFor(
  db: KitDatabase,
  target: { issuer: string; sid?: string; subject?: string },
): Promise<number> {
  let query = db.deleteFrom('sessions').where('issuer', '=', target.issuer);
  if (target.sid) query = query.where('idp_sid', '=', target.sid);
  if (target.subject) query = query.where('subject', '=', target.subject);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function sweepSessions(db: KitDatabase, now = Date.now()) {
  await db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
  await db.deleteFrom('logout_tokens_seen').where('expires_at', '<=', now).execute();
}

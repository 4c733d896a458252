import type { Transaction } from 'kysely';
import type { RelyingPartyTables } from '../database.ts';
import { insertAuditEntry } from './repository.ts';

export type Actor = {
  profileId: string;
  organizationId: string;
  organizationName: string;
  /** The Passport behind the request: a profile can change hands, the log must still say who. */
  identity: { issuer: string; subject: string };
};

export type AuditAction =
  | 'admin.profile_added'
  | 'admin.profile_changed'
  | 'admin.profile_removed'
  | 'admin.invite_sent'
  | 'admin.administrator_granted'
  | 'admin.administrator_revoked'
  | 'support.administrator_named'
  | 'support.administrator_added'
  | 'support.plan_changed'
  | 'profile.associated'
  | 'profile.reassociated'
  | 'profile.invite_sent';

/** Every administrator and support action, in the transaction of the change itself. */
export async function recordAction(
  tx: Transaction<RelyingPartyTables>,
  actor: Actor,
  organizationId: string,
  action: AuditAction,
  detail: Record<string, unknown>,
): Promise<void> {
  await insertAuditEntry(tx, {
    actorProfileId: actor.profileId,
    organizationId,
    action,
    detail: { ...detail, by: { ...actor.identity, organizationId: actor.organizationId } },
  });
}

import { type RawBuilder, sql } from 'kysely';
import type { KitDatabase } from '../tables.ts';

/** One role a member holds: in which organization, and where in it ('' for all of it). */
export type HeldRole = { roleKey: string; organizationId: string; scope: string };

/** A right a member has, and where: '' is the whole organization, anything else one scope of it. */
export type HeldRight = { right: string; scope: string };

/** The roles of many members in ONE query (a page listing contacts asks once, not once a row). */
export async function rolesOf(
  db: KitDatabase,
  memberIds: readonly string[],
): Promise<Map<string, HeldRole[]>> {
  const held = new Map<string, HeldRole[]>(memberIds.map((id) => [id, []]));
  if (memberIds.length === 0) return held;
  const rows = await db
    .selectFrom('member_roles')
    .select(['member_id', 'role_key', 'organization_id', 'scope'])
    .where('member_id', 'in', [...new Set(memberIds)])
    .orderBy('member_id')
    .orderBy('role_key')
    .orderBy('scope')
    .execute();
  for (const row of rows) {
    held
      .get(row.member_id)
      ?.push({ roleKey: row.role_key, organizationId: row.organization_id, scope: row.scope });
  }
  return held;
}

/** What a member may do in an organization, from every role it holds there (one query). */
export async function rightsOf(
  db: KitDatabase,
  memberId: string,
  organizationId: string,
): Promise<HeldRight[]> {
  return db
    .selectFrom('member_roles')
    .innerJoin('role_rights', 'role_rights.role_key', 'member_roles.role_key')
    .select(['role_rights.right as right', 'member_roles.scope as scope'])
    .where('member_roles.member_id', '=', memberId)
    .where('member_roles.organization_id', '=', organizationId)
    .distinct()
    .execute();
}

/** The members holding a role in an organization (in any scope, or in one). */
export async function holdersOf(
  db: KitDatabase,
  organizationId: string,
  roleKey: string,
  scope?: string,
): Promise<{ memberId: string; scope: string }[]> {
  let query = db
    .selectFrom('member_roles')
    .select(['member_id as memberId', 'scope'])
    .where('organization_id', '=', organizationId)
    .where('role_key', '=', roleKey);
  if (scope !== undefined) query = query.where('scope', '=', scope);
  return query.orderBy('member_id').execute();
}

/** Grants a role; false when the member already held it there (nothing written). */
export async function grantRole(
  db: KitDatabase,
  grant: {
    memberId: string;
    organizationId: string;
    roleKey: string;
    scope?: string;
    grantedBy: string | null;
  },
  now = Date.now(),
): Promise<boolean> {
  const result = await db
    .insertInto('member_roles')
    .values({
      member_id: grant.memberId,
      organization_id: grant.organizationId,
      role_key: grant.roleKey,
      scope: grant.scope ?? '',
      granted_by: grant.grantedBy,
      granted_at: now,
    })
    .onConflict((conflict) => conflict.columns(['member_id', 'role_key', 'scope']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

export type RevokeResult = 'revoked' | 'not-held' | 'last-holder';

/**
 * Revokes a role. With `unlessLast`, the organization keeps at least one holder
 * of the role (in any scope): the holders' rows are locked first, by a write that
 * changes nothing, so two administrators demoting each other at once on
 * PostgreSQL wait for one another and the second sees the first's change; then
 * one conditional DELETE decides. SQLite serialises writers anyway.
 */
export async function revokeRole(
  db: KitDatabase,
  revoke: { memberId: string; organizationId: string; roleKey: string; scope?: string; unlessLast?: boolean },
): Promise<RevokeResult> {
  if (!revoke.unlessLast) {
    const result = await db
      .deleteFrom('member_roles')
      .where('member_id', '=', revoke.memberId)
      .where('organization_id', '=', revoke.organizationId)
      .where('role_key', '=', revoke.roleKey)
      .where('scope', '=', revoke.scope ?? '')
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1 ? 'revoked' : 'not-held';
  }
  const run = async (tx: KitDatabase): Promise<RevokeResult> => {
    await tx
      .updateTable('member_roles')
      .set((eb) => ({ granted_at: eb.ref('granted_at') }))
      .where('organization_id', '=', revoke.organizationId)
      .where('role_key', '=', revoke.roleKey)
      .execute();
    const result = await tx
      .deleteFrom('member_roles')
      .where('member_id', '=', revoke.memberId)
      .where('organization_id', '=', revoke.organizationId)
      .where('role_key', '=', revoke.roleKey)
      .where('scope', '=', revoke.scope ?? '')
      .where((eb) =>
        eb(
          eb
            .selectFrom('member_roles as others')
            .select((inner) => inner.fn.countAll<number>().as('holders'))
            .where('others.organization_id', '=', revoke.organizationId)
            .where('others.role_key', '=', revoke.roleKey),
          '>',
          1,
        ),
      )
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 1) return 'revoked';
    const still = await tx
      .selectFrom('member_roles')
      .select('member_id')
      .where('member_id', '=', revoke.memberId)
      .where('organization_id', '=', revoke.organizationId)
      .where('role_key', '=', revoke.roleKey)
      .where('scope', '=', revoke.scope ?? '')
      .executeTakeFirst();
    return still ? 'last-holder' : 'not-held';
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}

/** Every role a member holds in an organization goes (the member leaves it, or is removed). */
export async function revokeAllRoles(
  db: KitDatabase,
  memberId: string,
  organizationId: string,
): Promise<number> {
  const result = await db
    .deleteFrom('member_roles')
    .where('member_id', '=', memberId)
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * 1 when the member in `memberColumn` holds `roleKey` (in any scope), else 0: for a
 * site's own listing query, so a page of members reads their roles in the same
 * statement (an integer on SQLite and PostgreSQL alike).
 */
export function roleFlag(memberColumn: string, roleKey: string): RawBuilder<number> {
  return sql<number>`case when exists (select 1 from member_roles where member_roles.member_id = ${sql.ref(memberColumn)} and member_roles.role_key = ${roleKey}) then 1 else 0 end`;
}

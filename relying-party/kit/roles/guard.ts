import type { FastifyRequest } from 'fastify';
import { DomainError } from '../../../shared/http/errors.ts';
import type { KitDatabase } from '../tables.ts';
import { type HeldRight, rightsOf } from './repository.ts';

/** Refused: the signed-in member lacks the right for this (its words: the kit catalogue's `errors.forbidden`). */
export class Forbidden extends DomainError {
  override name = 'Forbidden';
  constructor(code = 'forbidden') {
    super(403, code);
  }
}

/** Whether held rights include `right`, organization-wide or in `scope`. */
export function allows(rights: readonly HeldRight[], right: string, scope?: string): boolean {
  return rights.some((held) => held.right === right && (held.scope === '' || held.scope === scope));
}

/**
 * A site's route guard over the kit's role tables. `memberOf` names who acts and
 * in which organization (from the site's visitor); `requireRight(right, scopeOf)`
 * is a preHandler that reads the member's rights from the store on every request
 * (a right withdrawn a second ago is withdrawn) and throws a 403 otherwise.
 * `scopeOf` reads the scope the request acts on (a location id from the form or
 * the path); organization-wide holders pass for any scope.
 */
export function createRoleGuard(options: {
  db: KitDatabase;
  memberOf: (request: FastifyRequest) => { memberId: string; organizationId: string } | undefined;
}) {
  async function rightsFor(request: FastifyRequest): Promise<HeldRight[]> {
    const member = options.memberOf(request);
    if (!member) return [];
    return rightsOf(options.db, member.memberId, member.organizationId);
  }

  return {
    rightsFor,
    requireRight(right: string, scopeOf?: (request: FastifyRequest) => string | undefined) {
      return async function checkRight(request: FastifyRequest) {
        if (!allows(await rightsFor(request), right, scopeOf?.(request))) throw new Forbidden();
      };
    },
  };
}

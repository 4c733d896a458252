import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CookieNames } from './auth/cookies.ts';
import { findSession } from './auth/sessions.ts';
import type { KitDatabase, SessionTable } from './tables.ts';

/** Who is asking, as the kit knows them: a live session and what the IdP said at sign-in. */
export type KitVisitor = {
  /** The session cookie's value (the store keeps only its hash). */
  sessionId: string;
  /** The person, as the IdP names them: a site knows a person by issuer + subject, never by e-mail. */
  identity: { issuer: string; subject: string };
  idpSid: string | null;
  authenticatedAt: number;
  acr: string | null;
  /** The ID token's claims at sign-in: a suggestion for a form, not an identity. */
  email: string | null;
  name: string | null;
};

/** The stored session row, with whatever columns the site added to it (CustomerSource: `profile_id`). */
export type StoredSession = SessionTable & Record<string, unknown>;

/** A site's visitor: the kit's, extended with what the site knows of the person. */
export type LoadVisitor<Visitor extends KitVisitor> = (
  visitor: KitVisitor,
  session: StoredSession,
) => Promise<Visitor>;

const VISITOR = 'visitor';
const RELOAD = 'visitorReload';

/**
 * The visitor of a page request, typed by the site that asks. A typed accessor,
 * not a `declare module 'fastify'`: a global declaration would make one site's
 * visitor every fastify request's, the IdP's included.
 */
export function visitorOf<Visitor extends KitVisitor = KitVisitor>(
  request: FastifyRequest,
): Visitor | undefined {
  return request.getDecorator<Visitor | undefined>(VISITOR);
}

/** Loads the visitor once per page request, for the routes and for the layout's masthead. */
export function installVisitor<Visitor extends KitVisitor>(
  app: FastifyInstance,
  options: { db: KitDatabase; cookies: CookieNames; load?: LoadVisitor<Visitor> },
) {
  app.decorateRequest(VISITOR, undefined);
  app.decorateRequest(RELOAD, undefined);
  app.addHook('preHandler', async (request, reply) => {
    const visitor = await loadKitVisitor(request, options);
    request.setDecorator(VISITOR, visitor);
    request.setDecorator(RELOAD, () => loadKitVisitor(request, options));
    // The layout marks the page in its navigation that this request is (aria-current).
    const currentPath = request.url.split('?')[0];
    setLocals(reply, { visitor, currentPath });
  });
}

/** What every template of the page sees (@fastify/view merges reply.locals into its data). */
function setLocals(reply: FastifyReply, locals: Record<string, unknown>) {
  reply.locals = { ...reply.locals, ...locals };
}

/**
 * Loads the visitor again after the request changed who they are (an association
 * linked a profile), for the rest of the request and for the page it draws.
 */
export async function reloadVisitor<Visitor extends KitVisitor = KitVisitor>(
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<Visitor | undefined> {
  const reload = request.getDecorator<(() => Promise<Visitor | undefined>) | undefined>(RELOAD);
  if (!reload) return undefined;
  const visitor = await reload();
  request.setDecorator(VISITOR, visitor);
  setLocals(reply, { visitor });
  return visitor;
}

async function loadKitVisitor<Visitor extends KitVisitor>(
  request: FastifyRequest,
  options: { db: KitDatabase; cookies: CookieNames; load?: LoadVisitor<Visitor> },
): Promise<KitVisitor | Visitor | undefined> {
  const sessionId = request.cookies[options.cookies.session];
  const session = await findSession(options.db, sessionId);
  if (!session || !sessionId) return undefined;
  const visitor: KitVisitor = {
    sessionId,
    identity: { issuer: session.issuer, subject: session.subject },
    idpSid: session.idp_sid,
    authenticatedAt: session.authenticated_at,
    acr: session.acr,
    email: session.email,
    name: session.name,
  };
  return options.load ? options.load(visitor, session as StoredSession) : visitor;
}

import type { FastifyInstance } from 'fastify';
import type { PageDeps } from '../page-deps.ts';

export async function securityKeyRoutes(_app: FastifyInstance, _deps: PageDeps) {}

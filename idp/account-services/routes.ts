import type { FastifyInstance } from 'fastify';
import type { PageDeps } from '../page-deps.ts';

export async function accountServicesRoutes(_app: FastifyInstance, _deps: PageDeps) {}

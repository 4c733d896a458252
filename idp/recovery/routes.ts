import type { FastifyInstance } from 'fastify';
import type { PageDeps } from '../page-deps.ts';

export async function recoveryRoutes(_app: FastifyInstance, _deps: PageDeps) {}

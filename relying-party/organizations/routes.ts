import type { FastifyInstance } from 'fastify';
import type { ExtranetDeps } from '../page-deps.ts';

export async function organizationRoutes(_app: FastifyInstance, _deps: ExtranetDeps) {}

import type { FastifyInstance } from 'fastify';
import type { ExtranetDeps } from '../page-deps.ts';

export async function linkingRoutes(_app: FastifyInstance, _deps: ExtranetDeps) {}

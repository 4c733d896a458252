import type { FastifyInstance } from 'fastify';

export async function homeRoutes(app: FastifyInstance) {
  app.get('/', async (_request, reply) => reply.view('home', {}));
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Retrieval } from './service.ts';

/**
 * "Credentials for <product>": answered to the Go of the Actions list (a POST,
 * since each retrieval counts), never kept by a cache, the password never logged.
 */
export function showCredentials(
  request: FastifyRequest,
  reply: FastifyReply,
  retrieval: Retrieval,
  centerUrl: string,
) {
  return reply.header('cache-control', 'no-store').view('credentials', {
    product: request.t(`products.${retrieval.product}`),
    userName: retrieval.userName,
    password: retrieval.password,
    blank: retrieval.blank,
    centerUrl,
  });
}

import type { FastifyRequest } from 'fastify';

/**
 * The logger both services run with. A request line names the route pattern
 * (`/reset/link/:token`), never the URL a person opened: mailed links, `code`,
 * `state` and `id_token_hint` travel in paths and query strings. Headers
 * (cookies, authorization) are not logged; the redaction covers a header
 * object that a log call passes by hand.
 */
export function logOptions(level: string) {
  return {
    level,
    serializers: {
      req: (request: FastifyRequest) => ({
        method: request.method,
        route: request.routeOptions?.url ?? '(no route)',
        host: request.host,
        remoteAddress: request.ip,
      }),
    },
    redact: {
      paths: [
        'headers.authorization',
        'headers.cookie',
        'headers["set-cookie"]',
        '*.headers.authorization',
        '*.headers.cookie',
        '*.headers["set-cookie"]',
      ],
      censor: '[redacted]',
    },
  };
}

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from './errors.ts';

export type ErrorPage = { status: number; title: string; message: string };

// Framework errors that are the client's fault, in words a person understands (catalogue codes).
const CLIENT_ERRORS: Record<number, string> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'not_allowed',
  413: 'too_large',
  415: 'unsupported_form',
};

function words(t: FastifyRequest['t'], code: string) {
  return { title: t(`errors.${code}.title`), message: t(`errors.${code}.message`) };
}

/**
 * The one place errors become responses: domain errors with their own words,
 * client mistakes as 4xx with a clear message, anything else as a logged 500
 * that reveals nothing.
 */
export function installErrorHandler(
  app: FastifyInstance,
  render: (reply: FastifyReply, page: ErrorPage) => unknown,
) {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof DomainError) {
      return render(reply, { status: error.status, title: error.title, message: error.message });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code = CLIENT_ERRORS[status] ?? 'bad_request';
      return render(reply, { status, ...words(request.t, code) });
    }
    request.log.error({ err: error }, 'request failed');
    return render(reply, { status: 500, ...words(request.t, 'server_error') });
  });
}

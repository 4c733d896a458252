import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A relying site's back-channel logout endpoint: records every logout token it is sent. */
export async function startLogoutReceiver() {
  const tokens: string[] = [];
  const paths: string[] = [];
  const requests: Array<{ method?: string; contentType?: string; params: URLSearchParams }> = [];
  const waiting: Array<(token: string) => void> = [];
  const server = http.createServer((request, response) => {
    paths.push(request.url ?? '');
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const params = new URLSearchParams(body);
      requests.push({ method: request.method, contentType: request.headers['content-type'], params });
      const token = params.get('logout_token');
      if (token) {
        tokens.push(token);
        for (const resolve of waiting.splice(0)) resolve(token);
      }
      response.writeHead(200).end();
    });
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Kept-alive connections would otherwise keep answering while the site is "down".
      server.closeAllConnections();
    });
  await listen(0);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/backchannel-logout`,
    tokens,
    /** The path of every request that reached it, logout token or not. */
    paths,
    /** How each request was sent: method, content type and form fields. */
    requests,
    /** Resolves with the next logout token (or one already received after `seen`). */
    next(seen = 0): Promise<string> {
      if (tokens.length > seen) return Promise.resolve(tokens[seen]!);
      return new Promise((resolve) => waiting.push(resolve));
    },
    /** The site goes down: its port refuses connections until `restart()`. */
    stop: close,
    /** The site comes back on the same address. */
    restart: () => listen(port),
    close,
  };
}

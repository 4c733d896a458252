import { Pool } from 'undici';

export type Answer = { status: number; location?: string; setCookies: string[]; text: string };

type SendOptions = {
  form?: Record<string, string>;
  headers?: Record<string, string>;
  cookies?: CookieJar;
};

/**
 * One service under load: a keep-alive pool of as many connections as the
 * benchmark has workers, so connection set-up is not what is measured.
 */
export class Target {
  readonly origin: string;
  readonly #pool: Pool;

  constructor(origin: string, connections: number) {
    this.origin = origin;
    this.#pool = new Pool(origin, { connections, pipelining: 1 });
  }

  async send(method: 'GET' | 'POST', path: string, options: SendOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    const cookie = options.cookies?.header();
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    }
    const response = await this.#pool.request({ method, path, headers, body });
    const text = await response.body.text();
    const raw = response.headers['set-cookie'];
    const setCookies = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    options.cookies?.store(setCookies);
    const location = response.headers.location;
    return {
      status: response.statusCode,
      location: typeof location === 'string' ? location : undefined,
      setCookies,
      text,
    };
  }

  /** GET that must answer 200: the benchmark measures work done, never errors. */
  async ok(path: string, options: SendOptions = {}): Promise<Answer> {
    const answer = await this.send('GET', path, options);
    if (answer.status !== 200) throw new Error(`GET ${this.origin}${path} answered ${answer.status}`);
    return answer;
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }
}

/**
 * A browser's cookies for one service, names only: paths and expiry do not
 * matter over the few seconds of one login, and every name is distinct.
 */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name);
  }

  store(setCookies: string[]): void {
    for (const header of setCookies) {
      const pair = header.split(';', 1)[0]!;
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      const expired = value === '' || /;\s*max-age=0/i.test(header);
      if (expired) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
}

export function basicAuth(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** The path and query of an absolute or relative URL, as a request line wants it. */
export function pathOf(url: string, origin: string): string {
  const parsed = new URL(url, origin);
  return `${parsed.pathname}${parsed.search}`;
}

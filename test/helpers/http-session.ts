/**
 * A browser-like HTTP client for tests that do not need a real browser: a
 * cookie jar and manual redirects, so every hop of a flow can be inspected.
 */
export class HttpSession {
  readonly #cookies = new Map<string, string>();

  get cookieNames(): string[] {
    return [...this.#cookies.keys()];
  }

  async request(
    url: string | URL,
    init: RequestInit & { form?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.#cookies.size > 0) {
      headers.set('cookie', [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    }
    let body = init.body;
    if (init.form) {
      headers.set('content-type', 'application/x-www-form-urlencoded');
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(url, {
      ...init,
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
    });
    this.#store(response);
    return response;
  }

  /** Follows redirects until a page answers or `stopAt` matches a redirect target (returned unfollowed). */
  async follow(
    url: string | URL,
    init: RequestInit & { form?: Record<string, string> } = {},
    stopAt?: (location: URL) => boolean,
  ): Promise<{ response: Response; url: URL }> {
    let current = new URL(url);
    let response = await this.request(current, init);
    for (let hops = 0; hops < 20; hops++) {
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { response, url: current };
      const next = new URL(location, current);
      if (stopAt?.(next)) return { response, url: next };
      current = next;
      response = await this.request(current);
    }
    throw new Error('too many redirects');
  }

  cookie(name: string): string | undefined {
    return this.#cookies.get(name);
  }

  /** Another jar holding this one's cookies, as someone who copied them off the device would. */
  copy(): HttpSession {
    const copy = new HttpSession();
    for (const [name, value] of this.#cookies) copy.#cookies.set(name, value);
    for (const name of this.#sessionCookies) copy.#sessionCookies.add(name);
    return copy;
  }

  forget(name: string): void {
    this.#cookies.delete(name);
  }

  /** Drops cookies that would not survive closing the browser (no Max-Age or Expires). */
  closeBrowser(): void {
    for (const name of this.#sessionCookies) this.#cookies.delete(name);
  }

  readonly #sessionCookies = new Set<string>();

  #store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(';');
      const separator = pair!.indexOf('=');
      const name = pair!.slice(0, separator).trim();
      const value = pair!.slice(separator + 1).trim();
      const lower = attributes.map((attribute) => attribute.trim().toLowerCase());
      const expired =
        value === '' ||
        lower.some((attribute) => attribute === 'max-age=0') ||
        lower.some(
          (attribute) => attribute.startsWith('expires=') && Date.parse(attribute.slice(8)) < Date.now(),
        );
      if (expired) {
        this.#cookies.delete(name);
        continue;
      }
      this.#cookies.set(name, value);
      const persistent = lower.some(
        (attribute) => attribute.startsWith('max-age=') || attribute.startsWith('expires='),
      );
      if (persistent) this.#sessionCookies.delete(name);
      else this.#sessionCookies.add(name);
    }
  }
}

/** Reads the value of a named hidden or text input from an HTML page. */
export function inputValue(html: string, name: string): string | undefined {
  const match = new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`).exec(html);
  return match?.[1];
}

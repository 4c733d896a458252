import inject from 'light-my-request';
import type Provider from 'oidc-provider';
import { currentInstance } from './replaceable-provider.ts';

/**
 * oidc-provider's public documents: the same for every request while one key
 * set (one Provider instance) lasts, yet rebuilt by it on every request.
 */
export const PUBLISHED_PATHS = new Set([
  '/.well-known/openid-configuration',
  '/.well-known/oauth-authorization-server',
  '/jwks',
]);

export type PublishedDocument = {
  status: number;
  /** oidc-provider's own headers, but the per-request Access-Control-Allow-Origin. */
  headers: Record<string, string | string[]>;
  body: Buffer;
};

// Set per request or per connection by whoever sends the answer, not part of the document.
const NOT_KEPT = new Set([
  'date',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'access-control-allow-origin',
]);

/**
 * Each document as oidc-provider itself answers it, asked once per Provider
 * instance (so a new key set brings new documents) through its own request
 * handler, with the forwarded headers mountProvider gives every request.
 */
export function publishedDocuments(provider: Provider, issuer: string) {
  const publicAddress = new URL(issuer);
  const made = new WeakMap<Provider, Map<string, Promise<PublishedDocument>>>();

  async function ask(instance: Provider, path: string): Promise<PublishedDocument> {
    const response = await inject(instance.callback(), {
      method: 'GET',
      url: path,
      headers: {
        host: publicAddress.host,
        'x-forwarded-proto': publicAddress.protocol.slice(0, -1),
        'x-forwarded-host': publicAddress.host,
      },
    });
    // Only a success is the document; anything else is asked again next time.
    if (response.statusCode !== 200) throw new Error(`${path} answered ${response.statusCode}`);
    const headers: PublishedDocument['headers'] = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined && !NOT_KEPT.has(name))
        headers[name] = Array.isArray(value) ? value : String(value);
    }
    return { status: response.statusCode, headers, body: response.rawPayload };
  }

  return {
    /** The document at `path` for the instance requests reach now. */
    get(path: string): Promise<PublishedDocument> {
      const instance = currentInstance(provider);
      let documents = made.get(instance);
      if (!documents) {
        documents = new Map();
        made.set(instance, documents);
      }
      let document = documents.get(path);
      if (!document) {
        document = ask(instance, path);
        documents.set(path, document);
        const kept = documents;
        document.catch(() => kept.delete(path));
      }
      return document;
    },
  };
}

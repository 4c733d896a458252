import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

// Registrations a newer instance must receive too (event listeners, Koa middleware).
const REPLAYED = new Set<PropertyKey>(['on', 'addListener', 'use']);
// What the stand-in answers with the instance it stands for (see currentInstance).
const CURRENT = Symbol('current provider instance');

/**
 * The instance requests reach now: the provider itself, or the newest behind a
 * stand-in. Whatever is worked out once per key set may be kept against it.
 */
export function currentInstance(provider: Provider): Provider {
  return (provider as unknown as { [CURRENT]?: Provider })[CURRENT] ?? provider;
}

/**
 * oidc-provider fixes its key set when it is constructed, and its maintainers
 * advise against changing a live instance. So a new key set means a new
 * Provider, and this stand-in is what the rest of the IdP holds: every property
 * is read from the newest instance, and `callback()` returns one handler that
 * always reaches it. A request already running finishes on the instance it
 * began on, which shares the store, the cookie keys and the published keys.
 */
export function replaceableProvider(first: Provider) {
  let current = first;
  let handler: Handler = first.callback();
  const replays: Array<(provider: Provider) => void> = [];

  const standIn = new Proxy(Object.create(Object.getPrototypeOf(first)) as Provider, {
    get(_target, property) {
      if (property === CURRENT) return current;
      if (property === 'callback')
        return () => (request: IncomingMessage, response: ServerResponse) => handler(request, response);
      if (REPLAYED.has(property)) {
        return (...args: unknown[]) => {
          const register = (provider: Provider) =>
            (provider as unknown as Record<PropertyKey, (...a: unknown[]) => unknown>)[property]!(...args);
          replays.push(register);
          register(current);
          return standIn;
        };
      }
      const value = Reflect.get(current, property, current);
      // Methods need the real instance (private fields); model classes (getters) do not.
      return typeof value === 'function' && !isAccessor(current, property) ? value.bind(current) : value;
    },
    set(_target, property, value) {
      replays.push((provider) => Reflect.set(provider, property, value));
      return Reflect.set(current, property, value);
    },
  });

  return {
    provider: standIn,
    replace(next: Provider) {
      for (const replay of replays) replay(next);
      handler = next.callback();
      current = next;
    },
  };
}

function isAccessor(object: object, property: PropertyKey): boolean {
  for (let level: object | null = object; level; level = Object.getPrototypeOf(level)) {
    const descriptor = Object.getOwnPropertyDescriptor(level, property);
    if (descriptor) return descriptor.get !== undefined;
  }
  return false;
}

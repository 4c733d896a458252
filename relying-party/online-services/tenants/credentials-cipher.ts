import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ConfigError } from '../../../shared/config/load.ts';
import type { OnlineServicesConfig } from '../../../shared/config/online-services.ts';
import { storedSecret } from '../../../shared/db/stored-secret.ts';
import type { OnlineServicesDatabase } from '../database.ts';

const ALGORITHM = 'aes-256-gcm';
const VERSION = 'v1';
const IV_BYTES = 12;

/** In production the key comes from configuration: checked at start, before the store is touched. */
export function requireConfiguredKeyInProduction(config: OnlineServicesConfig): void {
  if (config.production && !config.credentialsKey) {
    throw new ConfigError(
      'Invalid configuration: OS_CREDENTIALS_KEY: required when NODE_ENV is production (32 random bytes, base64url)',
    );
  }
}

/**
 * The key temporary passwords are encrypted under: OS_CREDENTIALS_KEY, or outside
 * production one generated at first start and kept in the store (so every copy agrees).
 */
export async function credentialsKey(
  config: OnlineServicesConfig,
  db: OnlineServicesDatabase,
): Promise<Buffer> {
  requireConfiguredKeyInProduction(config);
  if (config.credentialsKey) return config.credentialsKey;
  return Buffer.from(await storedSecret(db, 'credentials_key'), 'base64url');
}

/**
 * AES-256-GCM with a fresh IV per message. The row it belongs to (the admin user id)
 * is authenticated too, so a ciphertext copied onto another row does not open.
 */
export function createCredentialsCipher(key: Buffer) {
  if (key.length !== 32) throw new Error('The credentials key must be 32 bytes.');
  return {
    seal(plaintext: string, boundTo: string): string {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(ALGORITHM, key, iv);
      cipher.setAAD(Buffer.from(boundTo));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, iv, cipher.getAuthTag(), body].map(encode).join('.');
    },
    open(sealed: string, boundTo: string): string {
      const [version, iv, tag, body] = sealed.split('.');
      if (version !== VERSION || !iv || !tag || body === undefined) {
        throw new Error('Not a sealed temporary password.');
      }
      const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(boundTo));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    },
  };
}

function encode(part: string | Buffer): string {
  return typeof part === 'string' ? part : part.toString('base64url');
}

export type CredentialsCipher = ReturnType<typeof createCredentialsCipher>;

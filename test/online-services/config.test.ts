import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { startAdministrationCenter } from '../../relying-party/online-services/admin-center/server.ts';
import { ConfigError } from '../../shared/config/load.ts';
import { loadOnlineServicesConfig } from '../../shared/config/online-services.ts';

describe("Online Services' settings", () => {
  test('the defaults put the Administration Center on :4004', () => {
    const config = loadOnlineServicesConfig({});
    expect(config.admin).toMatchObject({ url: 'http://localhost:4004', port: 4004 });
    expect(config.credentialsKey).toBeUndefined();
  });

  test('OS_CREDENTIALS_KEY is 32 bytes in base64 or base64url, and a bad one is named, never shown', () => {
    const key = randomBytes(32);
    expect(
      loadOnlineServicesConfig({ OS_CREDENTIALS_KEY: key.toString('base64url') }).credentialsKey,
    ).toEqual(key);
    expect(loadOnlineServicesConfig({ OS_CREDENTIALS_KEY: key.toString('base64') }).credentialsKey).toEqual(
      key,
    );
    for (const bad of [
      'short',
      randomBytes(16).toString('base64url'),
      `${randomBytes(32).toString('base64url')}!`,
    ]) {
      let thrown: unknown;
      try {
        loadOnlineServicesConfig({ OS_CREDENTIALS_KEY: bad });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      expect((thrown as Error).message).toMatch(/^Invalid configuration: OS_CREDENTIALS_KEY: /);
      expect((thrown as Error).message).not.toContain(bad);
    }
  });

  test('in production the Center does not start without its credentials key', async () => {
    await expect(
      startAdministrationCenter({
        logger: false,
        env: { NODE_ENV: 'production', DATA_DIR: '/nonexistent/never-made' },
      }),
    ).rejects.toThrow(/OS_CREDENTIALS_KEY: required when NODE_ENV is production/);
  });
});

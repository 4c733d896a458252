import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError } from '../../shared/config/load.ts';

// The fields we insist on; everything else is oidc-provider's client metadata,
// validated by oidc-provider itself when the provider starts.
const clientMetadata = z.looseObject({
  client_id: z.string().min(1).max(200),
  redirect_uris: z.array(z.url()).min(1),
  first_party: z.boolean().optional(),
});

/**
 * Static clients from IDP_CLIENTS_FILE: a JSON array of client metadata. A string
 * value may name an environment variable, as in "${RP_CLIENT_SECRET}", so the
 * file can be committed and the secret kept out of it.
 */
export async function loadStaticClients(
  file: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<z.infer<typeof clientMetadata>[]> {
  if (!file) return [];
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `Invalid configuration: IDP_CLIENTS_FILE: cannot read ${file} (${(error as Error).message})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(`Invalid configuration: IDP_CLIENTS_FILE: ${file} is not valid JSON`);
  }
  const result = z.array(clientMetadata).safeParse(withEnvironment(json, env));
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(
      `Invalid configuration: IDP_CLIENTS_FILE: [${issue.path.join('.')}] ${issue.message}`,
    );
  }
  const ids = new Set<string>();
  for (const client of result.data) {
    if (ids.has(client.client_id)) {
      throw new ConfigError(
        `Invalid configuration: IDP_CLIENTS_FILE: client_id ${client.client_id} appears twice`,
      );
    }
    ids.add(client.client_id);
  }
  return result.data;
}

function withEnvironment(value: unknown, env: NodeJS.ProcessEnv): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Z0-9_]+)\}/g, (_match, name: string) => {
      const replacement = env[name];
      if (!replacement) {
        throw new ConfigError(
          `Invalid configuration: IDP_CLIENTS_FILE: it names \${${name}}, which is not set`,
        );
      }
      return replacement;
    });
  }
  if (Array.isArray(value)) return value.map((item) => withEnvironment(item, env));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withEnvironment(item, env)]));
  }
  return value;
}

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
 * Static clients: a JSON array of client metadata, from the file IDP_CLIENTS_FILE
 * names or inline in IDP_CLIENTS. A string value may name an environment
 * variable, as in "${RP_CLIENT_SECRET}", so a file can be committed and the
 * secret kept out of it.
 */
export async function loadStaticClients(
  file: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<z.infer<typeof clientMetadata>[]> {
  const inline = env.IDP_CLIENTS;
  if (inline) return parseClients('IDP_CLIENTS', inline, 'its value', env);
  if (!file) return [];
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `Invalid configuration: IDP_CLIENTS_FILE: cannot read ${file} (${(error as Error).message})`,
    );
  }
  return parseClients('IDP_CLIENTS_FILE', text, file, env);
}

function parseClients(variable: string, text: string, source: string, env: NodeJS.ProcessEnv) {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(`Invalid configuration: ${variable}: ${source} is not valid JSON`);
  }
  const result = z.array(clientMetadata).safeParse(withEnvironment(json, env, variable));
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(`Invalid configuration: ${variable}: [${issue.path.join('.')}] ${issue.message}`);
  }
  const ids = new Set<string>();
  for (const client of result.data) {
    if (ids.has(client.client_id)) {
      throw new ConfigError(
        `Invalid configuration: ${variable}: client_id ${client.client_id} appears twice`,
      );
    }
    ids.add(client.client_id);
  }
  return result.data;
}

function withEnvironment(value: unknown, env: NodeJS.ProcessEnv, variable: string): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Z0-9_]+)\}/g, (_match, name: string) => {
      const replacement = env[name];
      if (!replacement) {
        throw new ConfigError(`Invalid configuration: ${variable}: it names \${${name}}, which is not set`);
      }
      return replacement;
    });
  }
  if (Array.isArray(value)) return value.map((item) => withEnvironment(item, env, variable));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, withEnvironment(item, env, variable)]),
    );
  }
  return value;
}

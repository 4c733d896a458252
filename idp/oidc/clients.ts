import { readFile } from 'node:fs/promises';
import { errors, type default as Provider } from 'oidc-provider';
import { z } from 'zod';
import { ConfigError } from '../../shared/config/load.ts';

// The fields we insist on; everything else is oidc-provider's client metadata,
// validated by oidc-provider's schema at start (checkConfiguredClients).
const clientMetadata = z
  .looseObject({
    client_id: z.string().min(1).max(200),
    redirect_uris: z.array(z.url()).optional(),
    first_party: z.boolean().optional(),
  })
  // A machine client (client_credentials only) sends nobody anywhere: it says so with no response types.
  .refine((client) => (client.redirect_uris?.length ?? 0) > 0 || isEmptyList(client.response_types), {
    path: ['redirect_uris'],
    message: 'must list at least one address (a machine client sets "response_types": [] instead)',
  });

function isEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length === 0;
}

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

/**
 * oidc-provider checks a configured client only when it is first used; a bad
 * one stops the start instead, with one line naming the client.
 */
export async function checkConfiguredClients(
  provider: Provider,
  clients: readonly { client_id: string }[],
): Promise<void> {
  const Client = provider.Client as unknown as { validate(metadata: object): Promise<void> };
  for (const client of clients) {
    try {
      await Client.validate(client);
    } catch (error) {
      if (!(error instanceof errors.OIDCProviderError)) throw error;
      throw new ConfigError(
        `Invalid configuration: client ${client.client_id}: ${error.error_description ?? error.message}`,
      );
    }
  }
}

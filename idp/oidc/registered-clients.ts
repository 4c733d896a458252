import { randomBytes, randomUUID } from 'node:crypto';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import { DomainError } from '../../shared/http/errors.ts';
import type { IdpDatabase } from '../database.ts';
import { deleteClient, findClient, insertClient, listClients, replaceClient } from './client-store.ts';

export class ClientRefused extends DomainError {
  override name = 'ClientRefused';
  constructor(message: string) {
    super(400, 'Client refused', message);
  }
}

export type ClientListing = {
  clientId: string;
  name: string | undefined;
  /** Where it is configured: the store (the admin CLI) or the start-up configuration. */
  source: 'database' | 'configuration';
  redirectUris: string[];
};

/** Whether a client authenticates with a secret, as oidc-provider decides it. */
type ClientClass = { validate(metadata: object): Promise<void>; needsSecret(metadata: object): boolean };

/**
 * Clients kept in the store by an operator. Metadata passes oidc-provider's own
 * client schema before it is stored; configured clients (IDP_CLIENTS_FILE,
 * IDP_CLIENTS, the account pages' own) win over a stored one of the same id in
 * oidc-provider, so the store refuses those ids and never changes those clients.
 */
export function createRegisteredClients(deps: {
  db: IdpDatabase;
  provider: Provider;
  configuredClients: readonly { client_id: string; client_name?: unknown; redirect_uris?: unknown }[];
}) {
  const { db, provider } = deps;
  const Client = provider.Client as unknown as ClientClass;
  const configuredIds = new Set(deps.configuredClients.map((client) => client.client_id));

  function refuseConfigured(clientId: string, action: string) {
    if (configuredIds.has(clientId)) {
      throw new ClientRefused(
        `client ${clientId} comes from the configuration (IDP_CLIENTS_FILE or IDP_CLIENTS): ${action} it there`,
      );
    }
  }

  async function validate(metadata: Record<string, unknown>) {
    try {
      await Client.validate(metadata);
    } catch (error) {
      if (error instanceof errors.OIDCProviderError) {
        throw new ClientRefused(`${error.error}: ${error.error_description ?? error.message}`);
      }
      throw error;
    }
  }

  /** Returns the client id and, when this call made the secret, the secret (shown once). */
  async function add(input: unknown, now = Date.now()): Promise<{ clientId: string; secret?: string }> {
    if (!input || typeof input !== 'object' || Array.isArray(input)) {
      throw new ClientRefused('the client must be one JSON object of client metadata');
    }
    const metadata: Record<string, unknown> = { ...(input as Record<string, unknown>) };
    if (metadata.client_id === undefined) metadata.client_id = randomUUID();
    if (typeof metadata.client_id !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(metadata.client_id)) {
      throw new ClientRefused('client_id must be 1 to 200 printable characters without spaces');
    }
    const clientId = metadata.client_id;
    refuseConfigured(clientId, 'change');
    let secret: string | undefined;
    if (Client.needsSecret(metadata) && metadata.client_secret === undefined) {
      secret = newSecret();
      metadata.client_secret = secret;
    }
    metadata.client_id_issued_at = Math.floor(now / 1000);
    if (metadata.client_secret !== undefined) metadata.client_secret_expires_at = 0;
    await validate(metadata);
    if (!(await insertClient(db, { clientId, metadata }))) {
      throw new ClientRefused(`client ${clientId} already exists`);
    }
    return { clientId, secret };
  }

  async function list(): Promise<ClientListing[]> {
    const configured = deps.configuredClients.map(
      (client): ClientListing => ({
        clientId: client.client_id,
        name: typeof client.client_name === 'string' ? client.client_name : undefined,
        source: 'configuration',
        redirectUris: Array.isArray(client.redirect_uris) ? client.redirect_uris.map(String) : [],
      }),
    );
    const stored = (await listClients(db))
      .filter((client) => !configuredIds.has(client.clientId))
      .map(
        (client): ClientListing => ({
          clientId: client.clientId,
          name: typeof client.metadata.client_name === 'string' ? client.metadata.client_name : undefined,
          source: 'database',
          redirectUris: Array.isArray(client.metadata.redirect_uris)
            ? client.metadata.redirect_uris.map(String)
            : [],
        }),
      );
    return [...configured, ...stored];
  }

  async function remove(clientId: string): Promise<void> {
    refuseConfigured(clientId, 'remove');
    if (!(await deleteClient(db, clientId))) throw new ClientRefused(`no client ${clientId} in the database`);
  }

  /** The old secret stops working at once; the new one is returned to be shown once. */
  async function rotateSecret(clientId: string): Promise<string> {
    refuseConfigured(clientId, 'rotate the secret of');
    const stored = await findClient(db, clientId);
    if (!stored) throw new ClientRefused(`no client ${clientId} in the database`);
    if (stored.metadata.client_secret === undefined) {
      throw new ClientRefused(`client ${clientId} is a public client: it has no secret`);
    }
    const secret = newSecret();
    const metadata = { ...stored.metadata, client_secret: secret, client_secret_expires_at: 0 };
    if (!(await replaceClient(db, clientId, stored.payload, metadata))) {
      throw new ClientRefused(`client ${clientId} changed meanwhile: try again`);
    }
    return secret;
  }

  return { add, list, remove, rotateSecret };
}

function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

import { startPolling } from '../../../shared/queue/polling.ts';
import type { Linking } from './service.ts';

export type AssociationWorkerLog = Record<'error', (details: object, message?: string) => void>;

export type AssociationWorker = {
  /** Resolves what is queued now; resolves with the number of mails queued. */
  resolveDue(): Promise<number>;
  /** Call once a request has been answered, so its mail leaves at once instead of at the next poll. */
  wake(): void;
  /** Stops polling and waits for the pass in flight. */
  stop(): Promise<void>;
};

/**
 * Resolves queued association requests after their answers have left. Any
 * number of copies may run on one store: each request is taken by one
 * conditional delete. The loop is the one every queue of ours runs on.
 */
export function startAssociationWorker(options: {
  linking: Pick<Linking, 'resolveQueuedRequests'>;
  log: AssociationWorkerLog;
  pollMs?: number;
}): AssociationWorker {
  const polling = startPolling(() => options.linking.resolveQueuedRequests(), {
    pollMs: options.pollMs ?? 1000,
    onError: (error) => options.log.error({ err: error }, 'association requests not resolved'),
  });
  return { resolveDue: polling.runDue, wake: polling.wake, stop: polling.stop };
}

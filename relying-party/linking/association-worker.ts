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
 * conditional delete. A pass asked for while one runs follows it, so a request
 * queued meanwhile is not left for the next poll.
 */
export function startAssociationWorker(options: {
  linking: Pick<Linking, 'resolveQueuedRequests'>;
  log: AssociationWorkerLog;
  pollMs?: number;
}): AssociationWorker {
  const { linking, log } = options;
  const pollMs = options.pollMs ?? 1000;
  let running: Promise<number> | undefined;
  let queued: Promise<number> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  function resolveDue(): Promise<number> {
    if (!running) {
      running = linking.resolveQueuedRequests().finally(() => {
        running = undefined;
      });
      return running;
    }
    queued ??= running
      .catch(() => 0)
      .then(() => {
        queued = undefined;
        return resolveDue();
      });
    return queued;
  }

  function resolveAndLog(): Promise<void> {
    return resolveDue().then(
      () => undefined,
      (error: unknown) => log.error({ err: error }, 'association requests not resolved'),
    );
  }

  async function poll(): Promise<void> {
    await resolveAndLog();
    if (stopped) return;
    timer = setTimeout(poll, pollMs);
    // Queued requests must not keep a process alive that is otherwise done.
    timer.unref();
  }

  timer = setTimeout(poll, pollMs);
  timer.unref();

  return {
    resolveDue,
    wake() {
      if (!stopped) void resolveAndLog();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await (queued ?? running)?.catch(() => undefined);
    },
  };
}

/**
 * The loop around a queue's delivery pass: a pass every `pollMs`, one at once
 * on `wake()` (after a commit that queued work), never two passes of one
 * process at the same time.
 */
export type Polling = {
  /** Runs a pass now (or shares the one about to run); resolves with what it delivered. */
  runDue(): Promise<number>;
  wake(): void;
  /** Stops polling and waits for the pass in flight. */
  stop(): Promise<void>;
};

export function startPolling(
  pass: () => Promise<number>,
  options: { pollMs: number; onError: (error: unknown) => void },
): Polling {
  let running: Promise<number> | undefined;
  let queued: Promise<number> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  function runDue(): Promise<number> {
    if (!running) {
      running = pass().finally(() => {
        running = undefined;
      });
      return running;
    }
    // Work committed after the running pass looked at the queue needs one more
    // pass; every caller arriving meanwhile shares that single pass.
    queued ??= running
      .catch(() => 0)
      .then(() => {
        queued = undefined;
        return stopped ? 0 : runDue();
      });
    return queued;
  }

  async function poll(): Promise<void> {
    try {
      await runDue();
    } catch (error) {
      options.onError(error);
    }
    if (stopped) return;
    schedule();
  }

  function schedule(): void {
    timer = setTimeout(poll, options.pollMs);
    // Pending work must not keep a process alive that is otherwise done.
    timer.unref();
  }

  schedule();

  return {
    runDue,
    wake() {
      if (stopped) return;
      runDue().catch(options.onError);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await (queued ?? running)?.catch(() => undefined);
    },
  };
}

import { type ChildProcess, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';

export type Service = {
  /** From spawning the process to its first answer at the health URL. */
  coldStartMs: number;
  stop(): Promise<void>;
};

const ROOT = new URL('..', import.meta.url).pathname;

/**
 * Spawns `node <script>` and asks the health URL until it answers 200. The
 * polling interval (5 ms) bounds what it adds to the cold start.
 */
export async function startService(
  script: string,
  env: Record<string, string>,
  healthUrl: string,
  extraArgs: string[] = [],
): Promise<Service> {
  const began = performance.now();
  const child = spawn(process.execPath, [...extraArgs, script], {
    cwd: ROOT,
    env: { ...process.env, NODE_NO_WARNINGS: '1', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let finished = false;
  void exited.then(() => {
    finished = true;
  });
  while (true) {
    if (finished) throw new Error(`${script} exited before answering:\n${stderr}`);
    if (performance.now() - began > 60_000) {
      child.kill('SIGKILL');
      throw new Error(`${script} did not answer ${healthUrl} within a minute:\n${stderr}`);
    }
    const answered = await fetch(healthUrl).then(
      (response) => response.status === 200,
      () => false,
    );
    if (answered) break;
    await delay(5);
  }
  const coldStartMs = performance.now() - began;
  return { coldStartMs, stop: () => stopChild(child, exited) };
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  const stopped = await Promise.race([exited.then(() => true), delay(30_000).then(() => false)]);
  if (!stopped) child.kill('SIGKILL');
}

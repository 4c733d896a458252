import { spawn } from 'node:child_process';
import path from 'node:path';

const ADMIN = path.join(import.meta.dirname, '..', '..', 'scripts', 'admin.ts');

export type AdminRun = { code: number | null; stdout: string; stderr: string };

/**
 * Runs `npm run admin -- ...` as an operator would: a child process with only
 * the environment given (and PATH), its output and exit code.
 */
export function runAdmin(args: string[], options: { env?: Record<string, string>; input?: string } = {}) {
  return new Promise<AdminRun>((resolve, reject) => {
    const child = spawn(process.execPath, [ADMIN, ...args], {
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

// A real redis-server on a free loopback port for the distributed tests and bench (started with zx), and BullMQ
// workers (`pipelines/worker.ts`) as real child processes. Missing redis-server is an error, never a skip: CI
// installs it (.ci/run).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { $, which, type ProcessPromise } from 'zx';
import { repoRoot } from './toy-project.ts';

export interface RedisServer {
  url: string;
  port: number;
  /** Stop it (SIGKILL: nothing saved) and wait until it is gone. */
  kill(): Promise<void>;
  /** Start it again on the same port (empty: it was started without persistence). */
  start(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startRedis(): Promise<RedisServer> {
  const binary = await which('redis-server', { nothrow: true });
  if (!binary)
    throw new Error(
      'redis-server is not installed; the distributed tests need it: apt-get install -y redis-server (.ci/run does this)',
    );
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'hxlr-redis-'));
  let proc: ProcessPromise | null = null;
  const start = async (): Promise<void> => {
    // No persistence: a restart loses every job, the harshest case for the coordinator and the workers.
    const p = $({
      quiet: true,
      nothrow: true,
      cwd: dir,
    })`${binary} --port ${port} --bind 127.0.0.1 --save ${''} --appendonly no --dir ${dir}`;
    proc = p;
    if (p.child) children.add(p.child);
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start on port ${port}: ${seen}`)), 10_000);
      p.stdout.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      void p.then((out) => reject(new Error(`redis-server exited: ${out.stdout}${out.stderr}`)));
    });
  };
  await start();
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    kill: async () => {
      if (!proc) return;
      const p = proc;
      proc = null;
      await p.kill('SIGKILL').catch(() => {});
      await p;
    },
  };
  return server;
}

const children = new Set<ChildProcess>();
// Nothing outlives the test file (redis-server, workers), even when an assertion throws before its cleanup.
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves once the worker printed a line matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `npm run worker -- --redis URL --root DIR ...` as a real process. */
export function startWorkerProcess(
  root: string,
  redis: string,
  args: string[] = [],
  env: Record<string, string> = {},
): WorkerProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'pipelines/worker.ts'), '--redis', redis, '--root', root, ...args],
    {
      cwd: root,
      env: { ...process.env, CI: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(child);
  let text = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer): void => {
    text += d.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return {
    child,
    output: () => text,
    exited,
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (!pattern.test(text)) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`worker never printed ${pattern}; its output:\n${text}`));
        }, timeoutMs);
        listeners.add(check);
        void exited.then(() => {
          if (!pattern.test(text)) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(new Error(`worker exited before printing ${pattern}; its output:\n${text}`));
          }
        });
        check();
      }),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

// Redis for the distributed executor: the URL checked up front and the server reached once with short timeouts,
// so a typo or a server that is down is a clear error within seconds, not a process that retries forever. The
// connections BullMQ then uses reconnect on their own (ioredis' retry strategy) when Redis restarts mid-run.
import { Redis } from 'ioredis';
import { EXIT, UserError } from './errors.ts';

/** Where the coordinator and the workers find Redis when `--redis` is not given. */
export const REDIS_ENV = 'HXLR_REDIS';
/** The queue every coordinator and worker of one Redis shares (`HXLR_QUEUE` to keep projects apart). */
export const DEFAULT_QUEUE = 'hxlr-instances';

export function redisUrl(flag: string | undefined, flagName = '--redis'): string {
  const raw = flag ?? process.env[REDIS_ENV];
  if (!raw) throw new UserError(`${flagName}: no Redis given; pass ${flagName} redis://HOST:PORT or set ${REDIS_ENV}`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UserError(`${flagName} ${raw}: not a URL; expected redis://HOST:PORT (or rediss:// for TLS)`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new UserError(`${flagName} ${raw}: expected a redis:// or rediss:// URL, got ${url.protocol}//`);
  }
  if (!url.hostname) throw new UserError(`${flagName} ${raw}: no host; expected redis://HOST:PORT`);
  return raw;
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/**
 * Reaches Redis once with a short timeout and no retries; a UserError naming the URL when it cannot. BullMQ
 * needs Redis ≥ 5.
 */
export async function probeRedis(url: string, timeoutMs = 3000): Promise<{ version: string }> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // The socket's own error (ECONNREFUSED, ENOTFOUND) says more than the rejected connect() ("Connection is closed").
  let cause: Error | undefined;
  client.on('error', (error: Error) => (cause ??= error));
  try {
    await client.connect();
    const info = await client.info('server');
    const version = /redis_version:([\d.]+)/.exec(info)?.[1] ?? 'unknown';
    if (Number(version.split('.')[0]) < 5)
      throw new UserError(`Redis at ${redact(url)} is version ${version}; BullMQ needs 5 or newer`);
    return { version };
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(
      `cannot reach Redis at ${redact(url)}: ${(cause ?? (error as Error)).message}. Start one (redis-server --port 6379) or check --redis / ${REDIS_ENV}.`,
      EXIT.unavailable,
    );
  } finally {
    client.disconnect();
  }
}

/** A connection for BullMQ: retries forever (Redis restarts are survived), as BullMQ's workers require. */
export function bullConnection(url: string): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(200 * times, 2000) });
  // ioredis reports every failed reconnect as an error event; without a listener Node would crash on the first.
  client.on('error', () => {});
  return client;
}

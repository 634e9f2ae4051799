// The one place that talks HTTP: a resumable, verified download of one URL to one file. Servers and networks fail
// in mundane ways (resets, 503s, stalls, proxies); each is handled here so stage code can treat a download as
// "the right bytes at `dest`, or a clear error and nothing at `dest`".
import { createHash, type Hash } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { EnvHttpProxyAgent, interceptors, request, type Dispatcher } from 'undici';
import { DEFAULT_BACKOFF, backoffDelay, jitterRandom, parseRetryAfter, sleep, type BackoffOptions } from './backoff.ts';
import { commitFile } from '../../pipelines/engine/index.ts';

export interface DownloadOptions {
  url: string;
  /** Final path; bytes go to `<dest>.part` first and are renamed only once size and digest match. */
  dest: string;
  /** Expected sha256 (hex). When absent the digest is computed and returned, not checked. */
  sha256?: string;
  /** Expected size in bytes; a server announcing or sending anything else is refused early. */
  bytes?: number;
  /** Upper bound when the size is unknown (an archive whose digest we do not know); default 1 GiB. */
  maxBytes?: number;
  /** Connect and response-headers timeout. */
  timeoutMs?: number;
  /** Body stall timeout: fail when no byte arrives for this long (a slow but moving transfer is fine). */
  stallTimeoutMs?: number;
  /** Retries after the first attempt, on 5xx, 429, resets, socket errors and timeouts; never on other 4xx. */
  retries?: number;
  backoff?: BackoffOptions;
  /** Jitter source in [0, 1); seeded by default so delays are reproducible. */
  random?: () => number;
  /** Injectable for tests that want to assert delays without waiting them out. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Default: a fresh EnvHttpProxyAgent (HTTP_PROXY/HTTPS_PROXY/NO_PROXY), closed at the end. */
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number | undefined) => void;
  onRetry?: (info: { attempt: number; delayMs: number; error: Error; resumeFrom: number }) => void;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  sha256: string;
  /** HTTP requests made, the successful one included. */
  requests: number;
  /** Requests that continued a partial file with a Range request and got 206. */
  resumed: number;
}

export class DownloadError extends Error {
  readonly url: string;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    details: { url: string; status?: number; retryable?: boolean; retryAfterMs?: number; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'DownloadError';
    this.url = details.url;
    this.status = details.status;
    this.retryable = details.retryable ?? false;
    this.retryAfterMs = details.retryAfterMs;
  }
}

export class ChecksumMismatchError extends DownloadError {
  constructor(
    url: string,
    readonly expected: string,
    readonly actual: string,
    bytes: number,
  ) {
    super(
      `checksum mismatch for ${url}: expected sha256 ${expected}, got ${actual} (${bytes} bytes); nothing was kept`,
      {
        url,
      },
    );
    this.name = 'ChecksumMismatchError';
  }
}

export const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_BYTES = 1024 ** 3;

/** The dispatcher the stage shares across its downloads: proxies from the environment, redirects followed. */
export function createDispatcher(options: { timeoutMs?: number; stallTimeoutMs?: number } = {}): Dispatcher {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const agent = new EnvHttpProxyAgent({
    connectTimeout: timeout,
    headersTimeout: timeout,
    bodyTimeout: options.stallTimeoutMs ?? timeout,
  });
  // Why: mirrors and file hosts redirect (GitHub raw, CDNs); a bounded count stops redirect loops.
  return agent.compose(interceptors.redirect({ maxRedirections: 5 }));
}

/** Network failures worth another try: the same request may well succeed in a moment. */
const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

export async function download(options: DownloadOptions): Promise<DownloadResult> {
  const { url, dest, signal } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const stallMs = options.stallTimeoutMs ?? timeoutMs;
  const retries = options.retries ?? 3;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const random = options.random ?? jitterRandom(0);
  const wait = options.sleep ?? sleep;
  const limit = options.bytes ?? options.maxBytes ?? DEFAULT_MAX_BYTES;
  const ownDispatcher = options.dispatcher ? undefined : createDispatcher({ timeoutMs, stallTimeoutMs: stallMs });
  const dispatcher = options.dispatcher ?? ownDispatcher!;
  const part = `${dest}.part`;

  let file: FileHandle | undefined;
  // Why one handle and one running hash across attempts: a resumed transfer appends, and the digest of the whole
  // file is then the running hash, with no need to reread what is already on disk.
  let hash: Hash = createHash('sha256');
  let have = 0;
  let total: number | undefined;
  let canResume = false;
  let validator: string | undefined;
  let requests = 0;
  let resumed = 0;

  const restart = async () => {
    await file!.truncate(0);
    hash = createHash('sha256');
    have = 0;
    total = undefined;
  };

  try {
    signal?.throwIfAborted();
    await rm(part, { force: true });
    file = await open(part, 'w');
    for (let attempt = 1; ; attempt++) {
      const resumeFrom = canResume && have > 0 ? have : 0;
      if (resumeFrom === 0 && have > 0) await restart();
      try {
        requests++;
        const headers: Record<string, string> = { 'accept-encoding': 'identity' };
        if (resumeFrom > 0) {
          headers.range = `bytes=${resumeFrom}-`;
          // Why: if the file changed upstream between attempts, the server must send it whole rather than splice.
          if (validator) headers['if-range'] = validator;
        }
        const res = await request(url, {
          dispatcher,
          method: 'GET',
          headers,
          signal,
          headersTimeout: timeoutMs,
          bodyTimeout: stallMs + 2_000,
        });
        const status = res.statusCode;
        if (status === 206 && resumeFrom > 0) {
          const range = parseContentRange(header(res.headers['content-range']));
          if (!range || range.start !== resumeFrom) {
            await res.body.dump();
            canResume = false;
            throw new DownloadError(`${url}: server answered a range other than the one asked for`, {
              url,
              status,
              retryable: true,
            });
          }
          resumed++;
          total = range.total;
        } else if (status === 200) {
          // Why: a 200 to a Range request means the server ignored it (or the file changed): start over.
          if (have > 0) await restart();
          total = parseLength(header(res.headers['content-length']));
        } else if (status === 416 && resumeFrom > 0) {
          await res.body.dump();
          canResume = false;
          throw new DownloadError(`${url}: server refused the resume range`, { url, status, retryable: true });
        } else {
          await res.body.dump().catch(() => {});
          const retryable = status === 429 || status >= 500;
          throw new DownloadError(`HTTP ${status} for ${url}`, {
            url,
            status,
            retryable,
            retryAfterMs: retryable ? parseRetryAfter(res.headers['retry-after']) : undefined,
          });
        }
        canResume = status === 206 || header(res.headers['accept-ranges'])?.toLowerCase() === 'bytes';
        validator = strongValidator(res.headers);
        if (total !== undefined && (total > limit || (options.bytes !== undefined && total !== options.bytes))) {
          res.body.destroy();
          throw new DownloadError(
            options.bytes !== undefined
              ? `size mismatch for ${url}: server announces ${total} bytes, expected ${options.bytes}`
              : `${url} is ${total} bytes, over the limit of ${limit}`,
            { url, status },
          );
        }
        // Why our own stall timer: undici's bodyTimeout runs on a coarse (~1 s) clock; this one is exact, names
        // the cause, and undici's stays as a backstop.
        const stalled = new DownloadError(`GET ${url}: no data for ${stallMs} ms (stall timeout)`, {
          url,
          retryable: true,
        });
        const stallTimer = setTimeout(() => res.body.destroy(stalled), stallMs);
        try {
          for await (const chunk of res.body as AsyncIterable<Buffer>) {
            stallTimer.refresh();
            if (have + chunk.length > limit) {
              res.body.destroy();
              throw new DownloadError(
                options.bytes !== undefined
                  ? `size mismatch for ${url}: received more than the expected ${options.bytes} bytes`
                  : `${url} sent more than the limit of ${limit} bytes`,
                { url, status },
              );
            }
            await file.write(chunk, 0, chunk.length, have);
            hash.update(chunk);
            have += chunk.length;
            options.onProgress?.(have, total);
          }
        } finally {
          clearTimeout(stallTimer);
        }
        if (total !== undefined && have !== total) {
          throw new DownloadError(`${url}: body ended after ${have} of ${total} bytes`, { url, retryable: true });
        }
        break;
      } catch (raw) {
        if (signal?.aborted) throw signal.reason ?? raw;
        const error = classify(raw, url, { timeoutMs, stallMs });
        if (!error.retryable || attempt > retries) {
          const tries = attempt === 1 ? '' : ` (after ${attempt} attempts)`;
          throw new DownloadError(`download failed: ${error.message}${tries}`, {
            url,
            status: error.status,
            cause: raw,
          });
        }
        const delayMs = backoffDelay(attempt, backoff, random, error.retryAfterMs);
        options.onRetry?.({ attempt, delayMs, error, resumeFrom: canResume ? have : 0 });
        await wait(delayMs, signal);
      }
    }
    await file.close();
    file = undefined;
    const actual = hash.digest('hex');
    if (options.bytes !== undefined && have !== options.bytes) {
      throw new DownloadError(`size mismatch for ${url}: expected ${options.bytes} bytes, got ${have}`, { url });
    }
    if (options.sha256 !== undefined && actual !== options.sha256.toLowerCase()) {
      throw new ChecksumMismatchError(url, options.sha256, actual, have);
    }
    await commitFile(part, dest);
    return { path: dest, bytes: have, sha256: actual, requests, resumed };
  } catch (error) {
    await file?.close().catch(() => {});
    await rm(part, { force: true }).catch(() => {});
    throw error;
  } finally {
    await ownDispatcher?.close().catch(() => {});
  }
}

/** Turn whatever a failed attempt threw into a DownloadError that says what happened and whether to retry. */
function classify(raw: unknown, url: string, timeouts: { timeoutMs: number; stallMs: number }): DownloadError {
  if (raw instanceof DownloadError) return raw;
  const err = raw instanceof Error ? raw : new Error(String(raw));
  const code = errorCode(err);
  const reason =
    code === 'UND_ERR_BODY_TIMEOUT'
      ? `no data for ${timeouts.stallMs} ms (stall timeout)`
      : code === 'UND_ERR_HEADERS_TIMEOUT'
        ? `no response headers within ${timeouts.timeoutMs} ms`
        : code === 'UND_ERR_CONNECT_TIMEOUT'
          ? `could not connect within ${timeouts.timeoutMs} ms`
          : `${err.message}${code && !err.message.includes(code) ? ` (${code})` : ''}`;
  return new DownloadError(`GET ${url}: ${reason}`, {
    url,
    retryable: code !== undefined && RETRYABLE_CODES.has(code),
    cause: err,
  });
}

/** undici puts the system error (ECONNRESET) either on the error itself or on its cause. */
function errorCode(err: Error): string | undefined {
  const codes: string[] = [];
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string') codes.push(code);
  }
  return codes.find((c) => RETRYABLE_CODES.has(c)) ?? codes[0];
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function parseLength(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value.trim()) ? Number(value) : undefined;
}

/** `bytes 100-199/200` → { start: 100, total: 200 }; an unknown total (`/*`) gives total undefined. */
function parseContentRange(value: string | undefined): { start: number; total: number | undefined } | undefined {
  const match = value?.match(/^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i);
  if (!match) return undefined;
  return { start: Number(match[1]), total: match[3] === '*' ? undefined : Number(match[3]) };
}

/** If-Range accepts a strong ETag or a Last-Modified date; a weak ETag would not protect a splice. */
function strongValidator(headers: Record<string, string | string[] | undefined>): string | undefined {
  const etag = header(headers.etag);
  if (etag && !etag.startsWith('W/')) return etag;
  return header(headers['last-modified']);
}

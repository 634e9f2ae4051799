// The downloader against a real loopback server: retries, resume, restart, checksum, stall, 4xx, abort, proxy.
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import test from 'ava';
import { backoffDelay, parseRetryAfter, jitterRandom } from '../../stages/download/backoff.ts';
import { ChecksumMismatchError, DownloadError, createDispatcher, download } from '../../stages/download/http.ts';
import { bytesOf, scratchDir, serveBytes, startServer } from './helpers.ts';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const FAST = { backoff: { baseMs: 5, maxMs: 20 }, timeoutMs: 5_000 };
const BODY = bytesOf(256 * 1024, 7);

/** Send headers for the full body, `cut` bytes of it, then kill the socket: a connection reset mid-body. */
function resetAfter(res: import('node:http').ServerResponse, cut: number, headers: Record<string, string>): void {
  res.writeHead(200, { 'content-length': BODY.length, ...headers });
  res.write(BODY.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 50));
}

test('downloads, verifies size and sha256, reports progress, leaves no .part', async (t) => {
  const server = await startServer(t, (req, res) => serveBytes(req, res, BODY));
  const dir = await scratchDir(t);
  const dest = join(dir, 'file.bin');
  const seen: number[] = [];
  const result = await download({
    ...FAST,
    url: `${server.url}/file.bin`,
    dest,
    sha256: sha(BODY),
    bytes: BODY.length,
    onProgress: (done, total) => {
      t.is(total, BODY.length);
      seen.push(done);
    },
  });
  t.deepEqual(await readFile(dest), BODY);
  t.is(result.sha256, sha(BODY));
  t.is(result.requests, 1);
  t.is(seen.at(-1), BODY.length);
  t.deepEqual(await readdir(dir), ['file.bin']);
  t.is(server.requests[0].headers['accept-encoding'], 'identity');
});

test('retries a 500, then succeeds', async (t) => {
  const server = await startServer(t, (req, res, i) => {
    if (i === 0) res.writeHead(500).end('boom');
    else serveBytes(req, res, BODY);
  });
  const dir = await scratchDir(t);
  const retries: number[] = [];
  const result = await download({
    ...FAST,
    url: `${server.url}/f`,
    dest: join(dir, 'f'),
    sha256: sha(BODY),
    onRetry: ({ attempt, error }) => {
      retries.push(attempt);
      t.regex(error.message, /HTTP 500/);
    },
  });
  t.is(result.requests, 2);
  t.deepEqual(retries, [1]);
  t.deepEqual(await readFile(join(dir, 'f')), BODY);
});

test('retries a 429 honouring Retry-After (capped by maxMs), with injectable sleep', async (t) => {
  const server = await startServer(t, (req, res, i) => {
    if (i === 0) res.writeHead(429, { 'retry-after': '3600' }).end();
    else serveBytes(req, res, BODY);
  });
  const dir = await scratchDir(t);
  const slept: number[] = [];
  await download({
    ...FAST,
    url: `${server.url}/f`,
    dest: join(dir, 'f'),
    sha256: sha(BODY),
    sleep: async (ms) => {
      slept.push(ms);
    },
  });
  t.deepEqual(slept, [20]);
});

test('a connection reset mid-body resumes with Range and If-Range; the file is correct', async (t) => {
  const server = await startServer(t, (req, res, i) => {
    if (i === 0) resetAfter(res, 100 * 1024, { 'accept-ranges': 'bytes', etag: '"v1"' });
    else serveBytes(req, res, BODY, { etag: '"v1"' });
  });
  const dir = await scratchDir(t);
  const result = await download({
    ...FAST,
    url: `${server.url}/f`,
    dest: join(dir, 'f'),
    sha256: sha(BODY),
    bytes: BODY.length,
  });
  t.is(server.requests.length, 2);
  t.is(server.requests[0].headers.range, undefined);
  const range = server.requests[1].headers.range;
  t.regex(range ?? '', /^bytes=\d+-$/);
  const from = Number(range!.slice(6, -1));
  t.true(from > 0 && from <= 100 * 1024, `resumed from ${from}`);
  t.is(server.requests[1].headers['if-range'], '"v1"');
  t.is(result.resumed, 1);
  t.deepEqual(await readFile(join(dir, 'f')), BODY);
  t.deepEqual(await readdir(dir), ['f']);
});

test('a server that ignores Range (answers 200) makes the download restart; the file is still correct', async (t) => {
  const server = await startServer(t, (_req, res, i) => {
    if (i === 0) resetAfter(res, 100 * 1024, { 'accept-ranges': 'bytes' });
    else res.writeHead(200, { 'content-length': BODY.length }).end(BODY);
  });
  const dir = await scratchDir(t);
  const result = await download({ ...FAST, url: `${server.url}/f`, dest: join(dir, 'f'), sha256: sha(BODY) });
  t.is(server.requests.length, 2);
  t.truthy(server.requests[1].headers.range, 'asked for a range');
  t.is(result.resumed, 0);
  t.deepEqual(await readFile(join(dir, 'f')), BODY);
});

test('without Accept-Ranges the retry does not ask for a range', async (t) => {
  const server = await startServer(t, (req, res, i) => {
    if (i === 0) resetAfter(res, 100 * 1024, {});
    else res.writeHead(200, { 'content-length': BODY.length }).end(BODY);
  });
  const dir = await scratchDir(t);
  await download({ ...FAST, url: `${server.url}/f`, dest: join(dir, 'f'), sha256: sha(BODY) });
  t.is(server.requests[1].headers.range, undefined);
  t.deepEqual(await readFile(join(dir, 'f')), BODY);
});

test('a wrong checksum fails clearly and leaves neither the file nor the .part', async (t) => {
  const server = await startServer(t, (req, res) => serveBytes(req, res, BODY));
  const dir = await scratchDir(t);
  const url = `${server.url}/data/x.json`;
  const expected = 'ab'.repeat(32);
  const error = await t.throwsAsync(download({ ...FAST, url, dest: join(dir, 'x.json'), sha256: expected }), {
    instanceOf: ChecksumMismatchError,
  });
  t.true(error!.message.includes(url));
  t.true(error!.message.includes(expected));
  t.true(error!.message.includes(sha(BODY)));
  t.deepEqual(await readdir(dir), []);
  t.is(server.requests.length, 1, 'a checksum mismatch is not retried');
});

test('a size other than expected is refused before the body is kept', async (t) => {
  const server = await startServer(t, (req, res) => serveBytes(req, res, BODY));
  const dir = await scratchDir(t);
  await t.throwsAsync(download({ ...FAST, url: `${server.url}/f`, dest: join(dir, 'f'), bytes: 10 }), {
    message: /size mismatch.*expected 10/,
  });
  t.deepEqual(await readdir(dir), []);
});

test('a stalled server (headers, then nothing) times out within bounds, retried a bounded number of times', async (t) => {
  const server = await startServer(t, (_req, res) => {
    res.writeHead(200, { 'content-length': BODY.length });
    res.write(BODY.subarray(0, 1000));
  });
  const dir = await scratchDir(t);
  const started = Date.now();
  const error = await t.throwsAsync(
    download({ ...FAST, url: `${server.url}/slow`, dest: join(dir, 'f'), stallTimeoutMs: 300, retries: 1 }),
    { instanceOf: DownloadError },
  );
  const elapsed = Date.now() - started;
  t.regex(error!.message, /no data for 300 ms \(stall timeout\)/);
  t.regex(error!.message, /after 2 attempts/);
  t.true(error!.message.includes(`${server.url}/slow`));
  t.true(elapsed >= 550 && elapsed < 4_000, `took ${elapsed} ms`);
  t.is(server.requests.length, 2);
  t.deepEqual(await readdir(dir), []);
});

test('a server that never answers headers times out', async (t) => {
  const server = await startServer(t, () => {});
  const dir = await scratchDir(t);
  const started = Date.now();
  await t.throwsAsync(download({ url: `${server.url}/x`, dest: join(dir, 'f'), timeoutMs: 300, retries: 0 }), {
    message: /no response headers within 300 ms/,
  });
  t.true(Date.now() - started < 5_000);
});

test('404 is not retried and names the URL', async (t) => {
  const server = await startServer(t, (_req, res) => res.writeHead(404).end('nope'));
  const dir = await scratchDir(t);
  const url = `${server.url}/missing.json`;
  const error = await t.throwsAsync(download({ ...FAST, url, dest: join(dir, 'f'), retries: 5 }), {
    instanceOf: DownloadError,
  });
  t.is(error!.status, 404);
  t.regex(error!.message, /HTTP 404/);
  t.true(error!.message.includes(url));
  t.is(server.requests.length, 1);
  t.deepEqual(await readdir(dir), []);
});

test('gives up after `retries` retries on persistent 503', async (t) => {
  const server = await startServer(t, (_req, res) => res.writeHead(503).end());
  const dir = await scratchDir(t);
  await t.throwsAsync(download({ ...FAST, url: `${server.url}/f`, dest: join(dir, 'f'), retries: 2 }), {
    message: /HTTP 503.*after 3 attempts/,
  });
  t.is(server.requests.length, 3);
});

test('follows redirects', async (t) => {
  const server = await startServer(t, (req, res) => {
    if (req.url === '/old') res.writeHead(302, { location: '/new' }).end();
    else serveBytes(req, res, BODY);
  });
  const dir = await scratchDir(t);
  await download({ ...FAST, url: `${server.url}/old`, dest: join(dir, 'f'), sha256: sha(BODY) });
  t.deepEqual(await readFile(join(dir, 'f')), BODY);
});

test('an abort stops the download promptly and leaves nothing', async (t) => {
  const server = await startServer(t, (_req, res) => {
    res.writeHead(200, { 'content-length': BODY.length });
    res.write(BODY.subarray(0, 1000));
  });
  const dir = await scratchDir(t);
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error('stopped by test')), 100);
  const started = Date.now();
  await t.throwsAsync(
    download({
      ...FAST,
      url: `${server.url}/f`,
      dest: join(dir, 'f'),
      signal: controller.signal,
      stallTimeoutMs: 10_000,
    }),
    { message: /stopped by test/ },
  );
  t.true(Date.now() - started < 3_000);
  t.deepEqual(await readdir(dir), []);
});

test('requests go through the proxy named by HTTP_PROXY (EnvHttpProxyAgent)', async (t) => {
  const origin = await startServer(t, (req, res) => serveBytes(req, res, BODY));
  // A forward proxy: undici tunnels through it with CONNECT; we record the target and splice to the origin.
  const targets: string[] = [];
  const proxy = createServer((_req, res) => res.writeHead(405).end());
  const sockets = new Set<Socket>();
  proxy.on('connect', (req, client: Socket, head: Buffer) => {
    targets.push(req.url ?? '');
    const upstream = connect(Number(new URL(origin.url).port), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((resolve) => proxy.close(() => resolve()));
  });
  // EnvHttpProxyAgent reads the environment when it is built: set it just around createDispatcher.
  const names = ['HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'] as const;
  const saved = Object.fromEntries(names.map((k) => [k, process.env[k]]));
  process.env.HTTP_PROXY = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  for (const k of names.slice(1)) delete process.env[k];
  let proxied: ReturnType<typeof createDispatcher>;
  try {
    proxied = createDispatcher({ timeoutMs: 5_000 });
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  t.teardown(() => proxied.close());
  const dir = await scratchDir(t);
  await download({
    ...FAST,
    url: 'http://origin.invalid:8080/file',
    dest: join(dir, 'f'),
    sha256: sha(BODY),
    dispatcher: proxied,
  });
  t.deepEqual(targets, ['origin.invalid:8080']);
  t.deepEqual(await readFile(join(dir, 'f')), BODY);
});

test('backoff: exponential, jittered from a seeded source, capped, Retry-After as a floor', (t) => {
  const a = jitterRandom(42);
  const b = jitterRandom(42);
  const opts = { baseMs: 100, maxMs: 1_000 };
  const delaysA = [1, 2, 3, 4, 5].map((n) => backoffDelay(n, opts, a));
  const delaysB = [1, 2, 3, 4, 5].map((n) => backoffDelay(n, opts, b));
  t.deepEqual(delaysA, delaysB);
  for (const [i, d] of delaysA.entries()) {
    const exp = Math.min(1_000, 100 * 2 ** i);
    t.true(d >= exp / 2 && d <= exp, `retry ${i + 1}: ${d}`);
  }
  t.is(
    backoffDelay(1, opts, () => 0, 700),
    700,
  );
  t.is(
    backoffDelay(1, opts, () => 0, 60_000),
    1_000,
  );
  t.is(parseRetryAfter('3'), 3_000);
  t.is(parseRetryAfter(new Date(Date.now() + 5_000).toUTCString(), Date.now()) !== undefined, true);
  t.is(parseRetryAfter('soon'), undefined);
});

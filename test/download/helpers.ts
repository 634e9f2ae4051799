// Test helpers for the download stage: a loopback HTTP server per test, scratch folders, and a tiny zip writer
// (yauzl only reads) that can also forge the hostile archives the extractor must refuse.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import type { ExecutionContext } from 'ava';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

export interface TestServer {
  url: string;
  requests: RecordedRequest[];
}

/** Start a server on 127.0.0.1:0, closed (with its open sockets) when the test ends. */
export async function startServer(
  t: ExecutionContext,
  handler: (req: IncomingMessage, res: ServerResponse, index: number) => void,
): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    // Bound: a client bug that loops would otherwise hammer the server until the ava timeout.
    if (requests.length > 50) {
      res.writeHead(599).end();
      return;
    }
    handler(req, res, requests.length - 1);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests };
}

/** Answer a (possibly ranged) GET for `body` the way a well-behaved static server does. */
export function serveBytes(
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  headers: Record<string, string> = {},
): void {
  const range = req.headers.range?.match(/^bytes=(\d+)-$/);
  if (range) {
    const start = Number(range[1]);
    res.writeHead(206, {
      'content-length': body.length - start,
      'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
      'accept-ranges': 'bytes',
      ...headers,
    });
    res.end(body.subarray(start));
    return;
  }
  res.writeHead(200, { 'content-length': body.length, 'accept-ranges': 'bytes', ...headers });
  res.end(body);
}

export async function scratchDir(t: ExecutionContext, prefix = 'hxlr-dl-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Deterministic pseudo-random bytes (incompressible, so ranges and digests mean something). */
export function bytesOf(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export interface ZipEntrySpec {
  name: string;
  data?: Buffer;
  /** Default deflate. */
  method?: 'store' | 'deflate';
  /** Unix mode (e.g. 0o120777 for a symlink); stored in the high 16 bits of the external attributes. */
  mode?: number;
  /** Lie about the uncompressed size in the headers. */
  declaredSize?: number;
  /** Lie about the CRC-32. */
  crc?: number;
}

/** A minimal PKZIP writer: local headers, data, central directory, end record. No zip64, no data descriptors. */
export function makeZip(entries: ZipEntrySpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const spec of entries) {
    const name = Buffer.from(spec.name, 'utf8');
    const data = spec.data ?? Buffer.alloc(0);
    const method = spec.method === 'store' || data.length === 0 ? 0 : 8;
    const payload = method === 8 ? deflateRawSync(data) : data;
    const crc = spec.crc ?? crc32(data);
    const size = spec.declaredSize ?? data.length;
    const mode = spec.mode ?? (spec.name.endsWith('/') ? 0o040755 : 0o100644);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(payload.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, payload);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so the mode bits mean what they say
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(payload.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((mode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + payload.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

// Row tables: the reusable byte buffer (`Sink`) that every encoder writes into, with UTF-8 and
// Parquet PLAIN string writes. Writers keep their buffers from one row group to the next: on the 2-core VM the
// benchmarks ran on, the first write to freshly allocated memory costs ~3.5 ms per MiB (page faults),
// against ~0.05 ms per MiB once touched, so allocating a new buffer per row group was a large part of
// the write time.

/** A growable byte buffer. Every byte exposed by `bytes()` has been written explicitly. */
export class Sink {
  buf: Buffer;
  pos = 0;
  constructor(size = 1 << 16) {
    this.buf = Buffer.allocUnsafe(size);
  }
  /**
   * Makes room for `n` more bytes. Callers reserve the worst case up front (3 bytes per UTF-16 unit):
   * pages that are never written cost no memory, while growing later would copy and touch more.
   */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  reset(): void {
    this.pos = 0;
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
  append(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }
  u32(v: number): void {
    this.ensure(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = v & 255;
    b[p + 1] = (v >>> 8) & 255;
    b[p + 2] = (v >>> 16) & 255;
    b[p + 3] = (v >>> 24) & 255;
    this.pos = p + 4;
  }
  varint(v: number): void {
    this.ensure(5);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.pos++] = v;
  }
  /**
   * Writes `s` as UTF-8 at `p` (room for 3 bytes per UTF-16 unit must be ensured) and returns the byte
   * count. Lone surrogates never get here: validation rejects them.
   */
  private utf8At(s: string, p: number): number {
    if (s.length >= 24) return this.buf.write(s, p, 'utf8');
    // Short strings: a JS loop beats the call into C++.
    const b = this.buf;
    let o = p;
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) b[o++] = c;
      else if (c < 0x800) {
        b[o++] = 0xc0 | (c >> 6);
        b[o++] = 0x80 | (c & 63);
      } else if (c >= 0xd800 && c < 0xdc00) {
        c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
        b[o++] = 0xf0 | (c >> 18);
        b[o++] = 0x80 | ((c >> 12) & 63);
        b[o++] = 0x80 | ((c >> 6) & 63);
        b[o++] = 0x80 | (c & 63);
      } else {
        b[o++] = 0xe0 | (c >> 12);
        b[o++] = 0x80 | ((c >> 6) & 63);
        b[o++] = 0x80 | (c & 63);
      }
    }
    return o - p;
  }
  /** A string as UTF-8. */
  utf8(s: string): void {
    this.ensure(3 * s.length);
    this.pos += this.utf8At(s, this.pos);
  }
  /** A string as a Parquet PLAIN BYTE_ARRAY: 4-byte little-endian length, then UTF-8. */
  utf8Plain(s: string): void {
    this.ensure(4 + 3 * s.length);
    const p = this.pos;
    const n = this.utf8At(s, p + 4);
    const b = this.buf;
    b[p] = n & 255;
    b[p + 1] = (n >>> 8) & 255;
    b[p + 2] = (n >>> 16) & 255;
    b[p + 3] = (n >>> 24) & 255;
    this.pos = p + 4 + n;
  }
}

/** UTF-16 code units in `values` (nulls count 0). */
export function charCount(values: ArrayLike<unknown>): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const s = values[i];
    if (s !== null) n += (s as string).length;
  }
  return n;
}

// Bytes appended at the back and dropped from the front, in one circular buffer that grows (by
// doubling, from 4 KiB) up to `max` bytes and is reused from then on: a process that logs little
// keeps little, and one that floods costs a copy per chunk, not an allocation.
export class ByteRing {
  private buf = new Uint8Array(0);
  private start = 0; // index in buf of the oldest byte
  size = 0;

  constructor(private readonly max: number) {}

  // The caller keeps size + bytes.length <= max (drop from the front first).
  append(bytes: Uint8Array): void {
    const n = bytes.length;
    if (this.size + n > this.max) throw new RangeError(`ByteRing: ${this.size} + ${n} bytes > ${this.max}`);
    this.reserve(this.size + n);
    const cap = this.buf.length;
    const end = (this.start + this.size) % cap;
    const first = Math.min(n, cap - end);
    this.buf.set(first === n ? bytes : bytes.subarray(0, first), end);
    if (first < n) this.buf.set(bytes.subarray(first), 0);
    this.size += n;
  }

  dropFront(n: number): void {
    const k = Math.min(n, this.size);
    this.size -= k;
    this.start = this.size === 0 ? 0 : (this.start + k) % this.buf.length;
  }

  // The byte at `offset` from the oldest kept one.
  at(offset: number): number | undefined {
    if (offset < 0 || offset >= this.size) return undefined;
    return this.buf[(this.start + offset) % this.buf.length];
  }

  // `length` bytes from `offset`: a view when they are contiguous (valid until the next
  // append), else a copy.
  slice(offset: number, length: number): Uint8Array {
    const cap = this.buf.length;
    if (length <= 0 || cap === 0) return new Uint8Array(0);
    const from = (this.start + offset) % cap;
    if (from + length <= cap) return this.buf.subarray(from, from + length);
    const out = new Uint8Array(length);
    out.set(this.buf.subarray(from));
    out.set(this.buf.subarray(0, length - (cap - from)), cap - from);
    return out;
  }

  clear(): void {
    this.buf = new Uint8Array(0);
    this.start = 0;
    this.size = 0;
  }

  private reserve(need: number): void {
    if (need <= this.buf.length) return;
    let cap = Math.max(4096, this.buf.length);
    while (cap < need) cap *= 2;
    const next = new Uint8Array(Math.min(cap, this.max));
    next.set(this.slice(0, this.size));
    this.buf = next;
    this.start = 0;
  }
}

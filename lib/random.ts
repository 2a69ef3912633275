// Every component takes its randomness from a `Random` so tests and experiments can be seeded.
// Production uses the OS CSPRNG; `SeededRandom` is a ChaCha20 keystream (deterministic, fast, not for real secrets).
import { randomFillSync } from 'node:crypto';
import { chacha20 } from '@noble/ciphers/chacha.js';
import { sha256 } from '@noble/hashes/sha2.js';

export interface Random {
  /** Fill `out` with random bytes and return it. */
  fill(out: Uint8Array): Uint8Array;
}

export class CryptoRandom implements Random {
  /** Small requests (nonces, PTE noise) are served from a pool: one OpenSSL call per 16 KiB, not one per nonce. */
  private readonly pool = new Uint8Array(16 * 1024);
  private used = this.pool.length;

  fill(out: Uint8Array): Uint8Array {
    // randomFillSync refuses more than 2^31-1 bytes at once; callers never ask for that much.
    if (out.length > 256) return randomFillSync(out);
    if (this.used + out.length > this.pool.length) {
      randomFillSync(this.pool);
      this.used = 0;
    }
    out.set(this.pool.subarray(this.used, this.used + out.length));
    // Bytes handed out are not kept: a later reader of this object's memory cannot recover them.
    this.pool.fill(0, this.used, this.used + out.length);
    this.used += out.length;
    return out;
  }
}

/** Deterministic stream: ChaCha20 under SHA-256(seed), read sequentially. */
export class SeededRandom implements Random {
  private readonly key: Uint8Array;
  private counter = 0;
  private pool = new Uint8Array(0);
  private used = 0;

  constructor(seed: string | number | Uint8Array) {
    const bytes = typeof seed === 'string' || typeof seed === 'number' ? new TextEncoder().encode(String(seed)) : seed;
    this.key = sha256(bytes);
  }

  fill(out: Uint8Array): Uint8Array {
    let at = 0;
    while (at < out.length) {
      if (this.used === this.pool.length) this.refill(Math.max(4096, out.length - at));
      const n = Math.min(out.length - at, this.pool.length - this.used);
      out.set(this.pool.subarray(this.used, this.used + n), at);
      this.used += n;
      at += n;
    }
    return out;
  }

  private refill(size: number): void {
    const blocks = Math.ceil(size / 64);
    const nonce = new Uint8Array(12);
    this.pool = chacha20(this.key, nonce, new Uint8Array(blocks * 64), undefined, this.counter);
    this.counter += blocks;
    this.used = 0;
  }
}

export const defaultRandom: Random = new CryptoRandom();

export function randomBytes(rng: Random, n: number): Uint8Array {
  return rng.fill(new Uint8Array(n));
}

export function randomU32(rng: Random): number {
  const b = rng.fill(new Uint8Array(4));
  return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
}

/** Uniform integer in [0, n) without modulo bias (n <= 2^32). */
export function randomBelow(rng: Random, n: number): number {
  if (!Number.isInteger(n) || n <= 0 || n > 2 ** 32) throw new RangeError('randomBelow: n out of range');
  return below(n, () => randomU32(rng));
}

/**
 * Fisher-Yates shuffle in place. The words of every step are drawn with one fill (a draw per step cost 0.6 us, so
 * a FastSpace rewrite spent more on its 2041-entry shuffles than on its encryption); a rejected word is followed by
 * the next one from the rng, so the bytes consumed, and the result, are those of one randomBelow per step.
 */
export function shuffle<T>(rng: Random, items: T[]): T[] {
  const steps = items.length - 1;
  if (steps <= 0) return items;
  const bytes = rng.fill(new Uint8Array(4 * steps));
  const words = new DataView(bytes.buffer);
  let k = 0;
  const next = () => (k < steps ? words.getUint32(4 * k++, true) : randomU32(rng));
  for (let i = steps; i > 0; i--) {
    const j = below(i + 1, next);
    [items[i], items[j]] = [items[j], items[i]];
  }
  bytes.fill(0);
  return items;
}

/** Rejection sampling of [0, n) from uniform 32-bit words. */
function below(n: number, next: () => number): number {
  const limit = 2 ** 32 - (2 ** 32 % n);
  for (;;) {
    const x = next();
    if (x < limit) return x % n;
  }
}

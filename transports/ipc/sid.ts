// 128-bit server IDs. Random ones come from the kernel's injectable Random, so a seeded kernel mints the same SIDs.
import type { Random } from '../../lib/random.ts';
import type { Words } from './message.ts';

export class Sid {
  readonly words: Words;

  constructor(words: readonly number[]) {
    this.words = [words[0] >>> 0, words[1] >>> 0, words[2] >>> 0, words[3] >>> 0];
  }

  static random(rng: Random): Sid {
    const b = rng.fill(new Uint8Array(16));
    const v = new DataView(b.buffer);
    return new Sid([v.getUint32(0, true), v.getUint32(4, true), v.getUint32(8, true), v.getUint32(12, true)]);
  }

  /** A well-known SID: 16 ASCII bytes, as `SID::from_bytes(b"xous-name-server")`. */
  static fromAscii(text: string): Sid {
    const b = new TextEncoder().encode(text);
    if (b.length !== 16) throw new RangeError('a well-known SID is exactly 16 bytes');
    const v = new DataView(b.buffer);
    return new Sid([v.getUint32(0, true), v.getUint32(4, true), v.getUint32(8, true), v.getUint32(12, true)]);
  }

  /** Four words, e.g. the args of a BlockingScalar that hands an anonymous server's SID to another process. */
  static fromWords(words: readonly number[]): Sid {
    return new Sid(words);
  }

  equals(other: Sid): boolean {
    const a = this.words;
    const b = other.words;
    return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
  }

  toString(): string {
    return this.words.map((w) => w.toString(16).padStart(8, '0')).join('');
  }
}

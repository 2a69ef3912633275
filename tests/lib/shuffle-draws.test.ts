// shuffle() draws its words in one fill: the result and the stream it consumes must be exactly those of one
// randomBelow per Fisher-Yates step (seeded tests and seeded images depend on it).
import { describe, expect, it } from 'vitest';
import { randomBelow, randomBytes, shuffle, SeededRandom, type Random } from '../../lib/random.ts';

function stepwise<T>(rng: Random, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomBelow(rng, i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** A Random that answers some 4-byte reads with words every step rejects (0xFFFFFFFF is above every limit but n = 2^k). */
class RejectingRandom implements Random {
  private readonly inner = new SeededRandom('rejecting');
  reads = 0;
  fill(out: Uint8Array): Uint8Array {
    this.inner.fill(out);
    // Every 7th word of the stream is all ones: a rejection for every n that is not a power of two.
    for (let w = 0; w + 4 <= out.length; w += 4, this.reads++) if (this.reads % 7 === 3) out.fill(0xff, w, w + 4);
    return out;
  }
}

describe('shuffle', () => {
  for (const n of [0, 1, 2, 3, 10, 100, 2041]) {
    it(`of ${n} items: the permutation and the bytes consumed of a draw per step`, () => {
      const [a, b] = [new SeededRandom(`s${n}`), new SeededRandom(`s${n}`)];
      const items = Array.from({ length: n }, (_, i) => i);
      expect(shuffle(a, [...items])).toEqual(stepwise(b, [...items]));
      expect(randomBytes(a, 16)).toEqual(randomBytes(b, 16));
    });
  }

  it('with rejected words: still the same permutation, and the same bytes consumed', () => {
    const [a, b] = [new RejectingRandom(), new RejectingRandom()];
    const items = Array.from({ length: 300 }, (_, i) => i);
    const viaFill = shuffle(a, [...items]);
    const viaSteps = stepwise(b, [...items]);
    expect(viaFill).toEqual(viaSteps);
    expect(a.reads).toBe(b.reads);
    expect(a.reads).toBeGreaterThan(299); // some words were rejected and drawn again
    expect([...viaFill].sort((x, y) => x - y)).toEqual(items);
  });
});

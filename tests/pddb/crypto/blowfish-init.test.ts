import { describe, expect, it } from 'vitest';
import { BLOWFISH_INIT, P_WORDS, S_WORDS } from '../../../pddb/crypto/blowfish-init.ts';

// Hex digits of pi's fractional part, from Machin's formula pi = 16 atan(1/5) - 4 atan(1/239) in BigInt fixed
// point: an independent source for Blowfish's initial P-array and S-boxes.
function piHexFraction(digits: number): string {
  const guard = 16;
  const bits = BigInt((digits + guard) * 4);
  const one = 1n << bits;
  const atanInv = (x: number): bigint => {
    const x2 = BigInt(x * x);
    let term = one / BigInt(x);
    let sum = term;
    let sign = -1n;
    for (let k = 1n; term !== 0n; k++) {
      term /= x2;
      sum += sign * (term / (2n * k + 1n));
      sign = -sign;
    }
    return sum;
  };
  const frac = 16n * atanInv(5) - 4n * atanInv(239) - 3n * one;
  return (frac >> BigInt(guard * 4)).toString(16).padStart(digits, '0');
}

describe('Blowfish initial state', () => {
  it('is the first 8,336 hex digits of pi', () => {
    expect(BLOWFISH_INIT.length).toBe(P_WORDS + S_WORDS);
    const digits = piHexFraction(BLOWFISH_INIT.length * 8);
    const table = Array.from(BLOWFISH_INIT, (w) => w.toString(16).padStart(8, '0')).join('');
    expect(table).toBe(digits);
  });

  it('starts and ends with the well-known words', () => {
    expect(BLOWFISH_INIT[0]).toBe(0x243f6a88); // P[0]
    expect(BLOWFISH_INIT[P_WORDS]).toBe(0xd1310ba6); // S0[0]
    expect(BLOWFISH_INIT[P_WORDS + S_WORDS - 1]).toBe(0x3ac372e6); // S3[255]
  });
});

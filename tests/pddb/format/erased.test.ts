// isErased: all 0xFF, whatever the length and alignment (pages go through memcmp, short runs through a loop).
import { describe, expect, it } from 'vitest';
import { isErased } from '../../../pddb/format/fastspace.ts';

describe('isErased', () => {
  for (const n of [0, 1, 16, 63, 64, 100, 4095, 4096, 4097, 8192]) {
    it(`${n} bytes: erased only when every byte is 0xFF`, () => {
      const backing = new Uint8Array(n + 3).fill(0xff);
      const bytes = backing.subarray(3); // unaligned view into a larger buffer
      expect(isErased(bytes)).toBe(true);
      for (const at of n === 0 ? [] : [0, n >> 1, n - 1]) {
        bytes[at] = 0xfe;
        expect(isErased(bytes), `byte ${at}`).toBe(false);
        bytes[at] = 0xff;
      }
      backing[0] = 0; // outside the view: not looked at
      expect(isErased(bytes)).toBe(true);
    });
  }
});

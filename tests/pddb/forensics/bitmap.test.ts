import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { CLASS_COLOURS, classBitmapPng } from '../../../pddb/forensics/bitmap.ts';
import { PageClass } from '../../../pddb/forensics/coerced-view.ts';

describe('classBitmapPng', () => {
  it('draws one cell per page, in page order, in its class colour; the rest of the last row white', () => {
    const classes = Uint8Array.from([
      PageClass.System,
      PageClass.Listed,
      PageClass.UsedUnmapped,
      PageClass.Unexplained,
      PageClass.Listed,
    ]);
    const png = PNG.sync.read(classBitmapPng(classes, { columns: 3, cell: 2 }));
    expect([png.width, png.height]).toEqual([6, 4]);
    const at = (x: number, y: number) => [...png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 3)];
    classes.forEach((c, page) => {
      const [x, y] = [(page % 3) * 2 + 1, Math.floor(page / 3) * 2 + 1];
      expect(at(x, y), `page ${page}`).toEqual(CLASS_COLOURS[c as PageClass]);
    });
    expect(at(5, 3)).toEqual([255, 255, 255]);
  });

  it('refuses a value that is not a class, and bad sizes', () => {
    expect(() => classBitmapPng(Uint8Array.from([7]))).toThrow(RangeError);
    expect(() => classBitmapPng(Uint8Array.from([0]), { cell: 0 })).toThrow(RangeError);
    expect(() => classBitmapPng(Uint8Array.from([0]), { columns: 1.5 })).toThrow(RangeError);
  });
});

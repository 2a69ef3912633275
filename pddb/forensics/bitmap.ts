// The flash as a picture: one square cell per data page, in page order, row by row, coloured by the class the
// coerced adversary gives it (coerced-view.ts). PNG through pngjs.
import { PNG } from 'pngjs';
import { PageClass } from './coerced-view.ts';

/** RGB per PageClass: .System dark blue, listed free light grey, Used-but-unmapped red, unexplained amber, disclosed green. */
export const CLASS_COLOURS: Record<PageClass, [number, number, number]> = {
  [PageClass.System]: [31, 78, 160],
  [PageClass.Listed]: [215, 215, 215],
  [PageClass.UsedUnmapped]: [220, 30, 30],
  [PageClass.Unexplained]: [240, 170, 40],
  [PageClass.Disclosed]: [40, 150, 70],
};

export interface BitmapOptions {
  /** Pages per row (default: a square-ish picture). */
  columns?: number;
  /** Pixels per cell side (default 4). */
  cell?: number;
}

/** A PNG of `classes` (one PageClass per data page). */
export function classBitmapPng(classes: Uint8Array, opts: BitmapOptions = {}): Buffer {
  const columns = opts.columns ?? Math.max(1, Math.ceil(Math.sqrt(classes.length)));
  const cell = opts.cell ?? 4;
  if (!Number.isSafeInteger(columns) || columns < 1 || !Number.isSafeInteger(cell) || cell < 1 || cell > 64) {
    throw new RangeError('columns is a positive integer, cell an integer in 1..64');
  }
  const rows = Math.max(1, Math.ceil(classes.length / columns));
  const png = new PNG({ width: columns * cell, height: rows * cell });
  png.data.fill(255); // past the last page: white
  classes.forEach((c, page) => {
    const colour = CLASS_COLOURS[c as PageClass];
    if (!colour) throw new RangeError(`page ${page}: ${c} is not a PageClass`);
    const [x0, y0] = [(page % columns) * cell, Math.floor(page / columns) * cell];
    for (let y = y0; y < y0 + cell; y++) {
      for (let x = x0; x < x0 + cell; x++) png.data.set([...colour, 255], (y * png.width + x) * 4);
    }
  });
  return PNG.sync.write(png);
}

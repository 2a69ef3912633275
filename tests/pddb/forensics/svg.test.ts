import { describe, expect, it } from 'vitest';
import { CLASS_COLOURS } from '../../../pddb/forensics/bitmap.ts';
import { PageClass } from '../../../pddb/forensics/coerced-view.ts';
import { classBitmapSvg } from '../../../pddb/forensics/svg.ts';

const fill = (c: PageClass) => `fill="rgb(${CLASS_COLOURS[c].join(',')})"`;

describe('classBitmapSvg', () => {
  it('draws each panel as runs of one class per row, with titles escaped and a legend', () => {
    const coerced = Uint8Array.from([0, 3, 3, 3, 1, 1]);
    const owner = Uint8Array.from([0, 4, 4, 3, 1, 1]);
    const svg = classBitmapSvg(
      [
        { title: 'boot PIN <only>', classes: coerced },
        { title: 'owner', classes: owner },
      ],
      3,
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('boot PIN &#60;only&#62;');
    // Panel 1 row 0: System (1 cell), then Unexplained (2 cells); row 1: Unexplained (1), Listed (2).
    expect(svg).toContain(`<rect x="4" y="18" width="8" height="4" ${fill(PageClass.Unexplained)}/>`);
    expect(svg).toContain(`<rect x="4" y="22" width="8" height="4" ${fill(PageClass.Listed)}/>`);
    // Panel 2 starts one panel width (12) and a gap (24) to the right; its Disclosed run is there.
    expect(svg).toContain(`<rect x="40" y="18" width="8" height="4" ${fill(PageClass.Disclosed)}/>`);
    for (const name of ['System', 'Listed', 'UsedUnmapped', 'Unexplained', 'Disclosed'])
      expect(svg).toContain(`>${name}</text>`);
  });

  it('refuses an empty panel list, a bad class, bad columns', () => {
    expect(() => classBitmapSvg([])).toThrow(RangeError);
    expect(() => classBitmapSvg([{ title: 't', classes: Uint8Array.from([9]) }])).toThrow(RangeError);
    expect(() => classBitmapSvg([{ title: 't', classes: Uint8Array.from([0]) }], 0)).toThrow(RangeError);
  });
});

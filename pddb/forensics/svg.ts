// The flash as an SVG: one square per data page, coloured by class (the PNG's colours, bitmap.ts), one panel per
// view side by side, e.g. what the boot PIN shows beside what the owner sees with every password. Runs of equal
// class along a row are drawn as one rectangle, so a 98 MiB image stays a small file.
import { CLASS_COLOURS } from './bitmap.ts';
import { PageClass } from './coerced-view.ts';

export interface SvgPanel {
  title: string;
  classes: Uint8Array;
}

const CELL = 4;
const GAP = 24;
const TITLE = 18;

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** An SVG document of the panels (each one PageClass per data page), with a legend. */
export function classBitmapSvg(panels: SvgPanel[], columns?: number): string {
  if (panels.length === 0) throw new RangeError('at least one panel');
  const pages = Math.max(...panels.map((p) => p.classes.length));
  const cols = columns ?? Math.max(1, Math.ceil(Math.sqrt(pages)));
  if (!Number.isSafeInteger(cols) || cols < 1) throw new RangeError('columns is a positive integer');
  const rows = Math.max(1, Math.ceil(pages / cols));
  const [panelW, panelH] = [cols * CELL, rows * CELL];
  const legend = Object.entries(CLASS_COLOURS).map(
    ([c, rgb], i) =>
      `<rect x="${i * 150}" y="${TITLE + panelH + 8}" width="10" height="10" fill="rgb(${rgb.join(',')})"/>` +
      `<text x="${i * 150 + 14}" y="${TITLE + panelH + 17}" font-size="11">${PageClass[Number(c)]}</text>`,
  );
  const body = panels.map((panel, n) => {
    const x0 = n * (panelW + GAP);
    const out = [`<text x="${x0}" y="13" font-size="13">${escapeXml(panel.title)}</text>`];
    for (let row = 0; row * cols < panel.classes.length; row++) {
      let start = row * cols;
      const end = Math.min(panel.classes.length, start + cols);
      for (let p = start + 1; p <= end; p++) {
        if (p < end && panel.classes[p] === panel.classes[start]) continue;
        const rgb = CLASS_COLOURS[panel.classes[start] as PageClass];
        if (!rgb) throw new RangeError(`page ${start}: ${panel.classes[start]} is not a PageClass`);
        out.push(
          `<rect x="${x0 + (start - row * cols) * CELL}" y="${TITLE + row * CELL}" width="${(p - start) * CELL}" height="${CELL}" fill="rgb(${rgb.join(',')})"/>`,
        );
        start = p;
      }
    }
    return out.join('');
  });
  const width = Math.max(panels.length * panelW + (panels.length - 1) * GAP, legend.length * 150);
  const height = TITLE + panelH + 24;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">` +
    `<rect width="100%" height="100%" fill="white"/>${body.join('')}${legend.join('')}</svg>\n`
  );
}

// The Precursor's 336x536 one-bit display: everything is drawn with the canvas, then every pixel is forced to
// black or white (the panel has no grey), so anti-aliased text looks as it would on the device. The text drawn
// is also kept as lines, for screen readers and tests.
export const WIDTH = 336;
export const HEIGHT = 536;
const INK = 0;
const PAPER = 255;

export class OneBitScreen {
  constructor(canvas, mirror) {
    this.ctx = canvas.getContext('2d', { willReadFrequently: true });
    this.mirror = mirror;
    this.lines = [];
  }

  begin() {
    const c = this.ctx;
    c.fillStyle = '#fff';
    c.fillRect(0, 0, WIDTH, HEIGHT);
    c.textBaseline = 'top';
    this.lines = [];
  }

  /** Text at (x, y); `invert` draws white on a full-width black bar (the title), `white` on what is there. */
  text(x, y, s, { size = 16, bold = false, invert = false, white = false, width, align = 'left' } = {}) {
    const c = this.ctx;
    c.font = `${bold ? 'bold ' : ''}${size}px "DejaVu Sans Mono", ui-monospace, monospace`;
    const room = align === 'right' ? x - 4 : align === 'center' ? WIDTH - 8 : WIDTH - x - 4;
    const shown = clipToWidth(c, String(s), width ?? room);
    const w = c.measureText(shown).width;
    const left = align === 'right' ? x - w : align === 'center' ? x - w / 2 : x;
    if (invert) {
      c.fillStyle = '#000';
      c.fillRect(0, y - 2, WIDTH, size + 6);
    }
    c.fillStyle = invert || white ? '#fff' : '#000';
    c.fillText(shown, left, y);
    this.lines.push(shown);
    return w;
  }

  rect(x, y, w, h, { fill = false } = {}) {
    const c = this.ctx;
    if (fill) {
      c.fillStyle = '#000';
      c.fillRect(x, y, w, h);
    } else {
      c.strokeStyle = '#000';
      c.lineWidth = 2;
      c.strokeRect(x + 1, y + 1, w - 2, h - 2);
    }
  }

  /** Clear an area to white (a dialog's background). */
  blank(x, y, w, h) {
    this.ctx.fillStyle = '#fff';
    this.ctx.fillRect(x, y, w, h);
  }

  hline(y) {
    this.rect(0, y, WIDTH, 2, { fill: true });
  }

  /** Force one bit per pixel, and publish the text. */
  end() {
    const img = this.ctx.getImageData(0, 0, WIDTH, HEIGHT);
    const d = img.data;
    for (let i = 0; i < d.length; i += 4) {
      const v = d[i] + d[i + 1] + d[i + 2] < 384 ? INK : PAPER;
      d[i] = d[i + 1] = d[i + 2] = v;
      d[i + 3] = 255;
    }
    this.ctx.putImageData(img, 0, 0);
    if (this.mirror) this.mirror.textContent = this.lines.join('\n');
  }
}

/** Cut text to a width with an ellipsis (names from users and sites can be long). */
function clipToWidth(c, s, width) {
  if (c.measureText(s).width <= width) return s;
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (c.measureText(s.slice(0, mid) + '…').width <= width) lo = mid;
    else hi = mid - 1;
  }
  return s.slice(0, lo) + '…';
}

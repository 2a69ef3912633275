// The blind adversary's statistics battery: what the raw bytes of the data pages say with no key at all. Every
// data page of this format is a 12-byte nonce and AES-GCM-SIV output, or noise: all of it should look uniform. Each
// test reduces the image to one number, so that a game can threshold it.
import { deflateRawSync } from 'node:zlib';
import { NONCE_SIZE, PAGE_SIZE } from '../format/constants.ts';

export interface ByteStats {
  /** Kolmogorov-Smirnov distance of the pages' chi-square p-values from uniform (about 1/sqrt(pages) for noise). */
  chiSquareKs: number;
  /** Pages whose byte histogram fails chi-square at p < 1e-4 (about pages/10,000 for noise). */
  chiSquareFailures: number;
  /** Lowest per-page Shannon entropy, bits per byte (about 7.95 for 4 KiB of noise). */
  minEntropy: number;
  /** Lowest deflate ratio, compressed/raw, over runs of COMPRESSION_RUN pages (just over 1 for noise). */
  minCompression: number;
  /** Largest per-page |serial correlation| of consecutive bytes. */
  maxSerialCorrelation: number;
  /** Pages whose every byte is equal (erased, zeroed). */
  constantPages: number;
  /** Pages equal to another page. */
  duplicatePages: number;
  /** Non-constant pages whose 12-byte nonce another page also has. */
  duplicateNonces: number;
  /** Longest run of printable ASCII in any page (about 6 for noise). */
  longestPrintableRun: number;
}

/** Pages deflated together: one call per page costs ~0.4 ms here, most of it per-call overhead. */
const COMPRESSION_RUN = 16;

export const BYTE_STAT_NAMES = [
  'chiSquareKs',
  'chiSquareFailures',
  'minEntropy',
  'minCompression',
  'maxSerialCorrelation',
  'constantPages',
  'duplicatePages',
  'duplicateNonces',
  'longestPrintableRun',
] as const satisfies readonly (keyof ByteStats)[];

/** The battery over `pages` (each PAGE_SIZE bytes), e.g. every data page of an image, or only the unexplained ones. */
export function byteStats(pages: Uint8Array[]): ByteStats {
  const pValues: number[] = [];
  const out: ByteStats = {
    chiSquareKs: 0,
    chiSquareFailures: 0,
    minEntropy: 8,
    minCompression: Infinity,
    maxSerialCorrelation: 0,
    constantPages: 0,
    duplicatePages: 0,
    duplicateNonces: 0,
    longestPrintableRun: 0,
  };
  const seenPages = new Map<string, number>();
  const seenNonces = new Map<string, number>();
  const histogram = new Float64Array(256);
  for (const page of pages) {
    if (page.length !== PAGE_SIZE) throw new RangeError(`a page is ${PAGE_SIZE} bytes, not ${page.length}`);
    histogram.fill(0);
    for (let i = 0; i < page.length; i++) histogram[page[i]]++;
    const expected = page.length / 256;
    let chi = 0;
    let entropy = 0;
    for (const count of histogram) {
      chi += (count - expected) ** 2 / expected;
      if (count > 0) entropy -= (count / page.length) * Math.log2(count / page.length);
    }
    const p = chiSquareSurvival(chi, 255);
    pValues.push(p);
    if (p < 1e-4) out.chiSquareFailures++;
    out.minEntropy = Math.min(out.minEntropy, entropy);
    out.maxSerialCorrelation = Math.max(out.maxSerialCorrelation, Math.abs(serialCorrelation(page)));
    out.longestPrintableRun = Math.max(out.longestPrintableRun, longestPrintableRun(page));
    const constant = histogram[page[0]] === page.length;
    if (constant) out.constantPages++;
    const whole = Buffer.from(page.buffer, page.byteOffset, page.length).toString('latin1');
    seenPages.set(whole, (seenPages.get(whole) ?? 0) + 1);
    if (!constant) {
      const nonce = whole.slice(0, NONCE_SIZE);
      seenNonces.set(nonce, (seenNonces.get(nonce) ?? 0) + 1);
    }
  }
  for (const n of seenPages.values()) if (n > 1) out.duplicatePages += n;
  for (const n of seenNonces.values()) if (n > 1) out.duplicateNonces += n;
  out.chiSquareKs = ksUniform(pValues);
  for (let i = 0; i < pages.length; i += COMPRESSION_RUN) {
    const run = Buffer.concat(pages.slice(i, i + COMPRESSION_RUN));
    out.minCompression = Math.min(out.minCompression, deflateRawSync(run, { level: 1 }).length / run.length);
  }
  if (pages.length === 0) out.minCompression = 1;
  return out;
}

/** Lag-1 correlation coefficient of the bytes, cyclic (Knuth's serial correlation test; ~0 for noise). */
function serialCorrelation(page: Uint8Array): number {
  let [sum, sumSq, sumLag] = [0, 0, 0];
  for (let i = 0; i < page.length; i++) {
    const x = page[i];
    sum += x;
    sumSq += x * x;
    sumLag += x * page[i + 1 === page.length ? 0 : i + 1];
  }
  const n = page.length;
  const denominator = n * sumSq - sum * sum;
  return denominator === 0 ? 1 : (n * sumLag - sum * sum) / denominator;
}

function longestPrintableRun(page: Uint8Array): number {
  let [best, run] = [0, 0];
  for (let i = 0; i < page.length; i++) {
    run = page[i] >= 0x20 && page[i] < 0x7f ? run + 1 : 0;
    if (run > best) best = run;
  }
  return best;
}

/** Largest distance between the empirical CDF of `ps` and the uniform CDF on [0, 1]. */
export function ksUniform(ps: number[]): number {
  const sorted = [...ps].sort((a, b) => a - b);
  let d = 0;
  sorted.forEach((p, i) => (d = Math.max(d, (i + 1) / sorted.length - p, p - i / sorted.length)));
  return d;
}

/** P(X > x) for chi-square with k degrees of freedom, by Wilson-Hilferty (ample at k = 255). */
export function chiSquareSurvival(x: number, k: number): number {
  const v = 2 / (9 * k);
  return normalSurvival((Math.cbrt(x / k) - (1 - v)) / Math.sqrt(v));
}

/** P(Z > z) for a standard normal (Numerical Recipes' erfcc: fractional error below 1.2e-7). */
function normalSurvival(z: number): number {
  const x = z / Math.SQRT2;
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const erfc =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return (x >= 0 ? erfc : 2 - erfc) / 2;
}

// The benchmark harness every suite uses. A measurement is a median over several timed runs after a warm-up,
// reported as one JSON line (the contract scripts parse) and collected for a readable table at the end.
import { performance } from 'node:perf_hooks';

export interface Result {
  suite: string;
  name: string;
  value: number;
  unit: string;
  baseline: string | null;
  baseline_value: number | null;
  ratio: number | null;
}

export interface TimeOptions {
  /** Untimed calls before measuring. */
  warmup?: number;
  /** Timed samples; the median is reported. */
  runs?: number;
  /** Calls per sample; the sample is divided by it (use for sub-microsecond operations). */
  batch?: number;
}

const results: Result[] = [];

/** Median wall time of one call of `fn`, in microseconds. */
export async function timeUs(fn: () => unknown, opts: TimeOptions = {}): Promise<number> {
  const { warmup = 3, runs = 9, batch = 1 } = opts;
  for (let i = 0; i < warmup; i++) for (let j = 0; j < batch; j++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    for (let j = 0; j < batch; j++) await fn();
    samples.push(((performance.now() - t0) * 1000) / batch);
  }
  return median(samples);
}

/** Same as timeUs for synchronous work: no await per call, so the figure is not dominated by the microtask queue. */
export function timeUsSync(fn: () => unknown, opts: TimeOptions = {}): number {
  const { warmup = 3, runs = 9, batch = 1 } = opts;
  for (let i = 0; i < warmup; i++) for (let j = 0; j < batch; j++) fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    for (let j = 0; j < batch; j++) fn();
    samples.push(((performance.now() - t0) * 1000) / batch);
  }
  return median(samples);
}

export function median(xs: number[]): number {
  if (xs.length === 0) throw new RangeError('median of nothing');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Print one measurement as a JSON line; `baseline` names a figure measured in the same run. */
export function report(
  suite: string,
  name: string,
  value: number,
  unit: string,
  baseline?: { name: string; value: number },
): Result {
  const r: Result = {
    suite,
    name,
    value: round(value),
    unit,
    baseline: baseline?.name ?? null,
    baseline_value: baseline ? round(baseline.value) : null,
    ratio: baseline && baseline.value !== 0 ? round(value / baseline.value) : null,
  };
  results.push(r);
  console.log(JSON.stringify(r));
  return r;
}

export function printTable(): void {
  if (results.length === 0) return;
  const rows = results.map((r) => [
    r.suite,
    r.name,
    `${fmt(r.value)} ${r.unit}`,
    r.baseline ? `${r.baseline} = ${fmt(r.baseline_value!)}` : '',
    r.ratio === null ? '' : `${fmt(r.ratio)}x`,
  ]);
  const head = ['suite', 'measurement', 'value', 'baseline (same run)', 'ratio'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log('');
  console.log(line(head));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
}

function round(x: number): number {
  return Number(x.toPrecision(4));
}

function fmt(x: number): string {
  return Math.abs(x) >= 1000 ? x.toFixed(0) : String(x);
}

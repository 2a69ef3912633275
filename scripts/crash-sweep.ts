// The PDDB crash sweep (see tests/pddb/engine/crash-sweep-lib.ts for the workload and what is checked).
//
//   node --import tsx scripts/crash-sweep.ts            every 7th cut point, torn and not torn
//   node --import tsx scripts/crash-sweep.ts --full     every cut point, torn and not torn
//   options: --stride N  --phase K  --seed S  --rounds R  --torn only|never|both  --jobs J  --quiet
//
// --jobs J splits the cut points over J processes. Exit status 1 when any cut point fails a check; each failure is
// printed with the op it cut and what it found.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setupSweep, sweep, type CutResult } from '../tests/pddb/engine/crash-sweep-lib.ts';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const full = process.argv.includes('--full');
const quiet = process.argv.includes('--quiet');
const stride = full ? 1 : Number(option('--stride') ?? 7);
const phase = Number(option('--phase') ?? 0);
const seed = option('--seed') ?? 'sweep';
const rounds = Number(option('--rounds') ?? 24);
const jobs = Number(option('--jobs') ?? 1);
const tornOpt = option('--torn') ?? 'both';
const worker = process.argv.includes('--worker');
const modes = tornOpt === 'only' ? [true] : tornOpt === 'never' ? [false] : [false, true];
if (![stride, rounds, jobs].every((n) => Number.isInteger(n) && n >= 0) || stride < 1 || jobs < 1) {
  console.error('usage: crash-sweep.ts [--full] [--stride N] [--phase K] [--seed S] [--rounds R] [--torn only|never|both] [--jobs J]');
  process.exit(2);
}

interface Totals {
  ops: number;
  checked: number;
  failed: number;
  ms: number;
}

function runHere(): Totals {
  const setup = setupSweep(seed, rounds);
  let lastReport = performance.now();
  const summary = sweep(setup, {
    stride,
    phase,
    modes,
    onResult: (r: CutResult, done: number, total: number) => {
      if (r.violations.length > 0) {
        console.log(`FAIL op ${r.op}${r.torn ? ' torn' : ''} [${r.step}] ${r.what}`);
        for (const v of r.violations.slice(0, 8)) console.log(`    ${v}`);
        if (r.violations.length > 8) console.log(`    ... ${r.violations.length - 8} more`);
      }
      if (!quiet && performance.now() - lastReport > 30_000) {
        lastReport = performance.now();
        console.log(`  ${done}/${total} cut points checked${worker ? ` (phase ${phase})` : ''}`);
      }
    },
  });
  for (const f of summary.failures) {
    if (f.op < 0) for (const v of f.violations) console.log(`FAIL ${v}`);
  }
  return { ops: summary.ops, checked: summary.checked, failed: summary.failures.length, ms: summary.ms };
}

function report(t: Totals, wallMs: number): void {
  const points = full ? 'every cut point' : `one cut point in ${stride}`;
  console.log(
    `crash sweep (seed '${seed}', ${rounds} rounds): the workload makes ${t.ops} mutating flash ops; checked ${t.checked} ` +
      `cuts (${points}, ${modes.map((m) => (m ? 'torn' : 'clean cut')).join(' + ')}) in ${(wallMs / 1000).toFixed(1)} s` +
      `${jobs > 1 ? ` with ${jobs} jobs` : ''}; ${t.failed} failed`,
  );
}

if (worker) {
  const t = runHere();
  console.log(`RESULT ${JSON.stringify(t)}`);
} else if (jobs === 1) {
  const t0 = performance.now();
  const t = runHere();
  report(t, performance.now() - t0);
  process.exit(t.failed > 0 ? 1 : 0);
} else {
  const t0 = performance.now();
  const script = fileURLToPath(import.meta.url);
  const children = Array.from({ length: jobs }, (_, k) =>
    new Promise<Totals>((resolve, reject) => {
      const args = ['--import', 'tsx', script, '--worker', '--stride', String(stride * jobs), '--phase', String(phase + k * stride)];
      args.push('--seed', seed, '--rounds', String(rounds), '--torn', tornOpt);
      if (quiet) args.push('--quiet');
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      let result: Totals | null = null;
      let buffered = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          if (line.startsWith('RESULT ')) result = JSON.parse(line.slice(7)) as Totals;
          else console.log(line);
        }
      });
      child.on('error', reject);
      child.on('close', (code) => (result ? resolve(result) : reject(new Error(`job ${k} exited with ${code}`))));
    }),
  );
  Promise.all(children).then(
    (all) => {
      const t = { ops: all[0].ops, checked: 0, failed: 0, ms: 0 };
      for (const r of all) [t.checked, t.failed] = [t.checked + r.checked, t.failed + r.failed];
      report(t, performance.now() - t0);
      process.exit(t.failed > 0 ? 1 : 0);
    },
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}

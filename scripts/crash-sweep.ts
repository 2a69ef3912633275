// The PDDB crash sweep (see scripts/lib/crash-sweep-lib.ts for the workload and what is checked).
//
//   node --import tsx scripts/crash-sweep.ts            every 7th cut point, torn and not torn
//   node --import tsx scripts/crash-sweep.ts --full     every cut point, torn and not torn
//
// --jobs J splits the cut points over J processes. Exit status 1 when any cut point fails a check (each failure is
// printed with the op it cut and what it found), 2 on a usage error.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setupSweep, sweep, type CutResult } from './lib/crash-sweep-lib.ts';
import { ScriptUsageError, parseScriptArgs, runScript, wholeNumber } from './lib/script-args.ts';

const USAGE = `usage: node --import tsx scripts/crash-sweep.ts [options]
  --full             every cut point (same as --stride 1)
  --stride N         one cut point in N (default 7), starting at --phase K (default 0)
  --seed S           workload seed (default 'sweep')
  --rounds R         rounds of the random-overwrite phase (default 24)
  --torn MODE        only | never | both (default both): cut cleanly, with a torn sector, or both
  --jobs J           split the cut points over J processes (default 1)
  --quiet            no progress lines`;

interface Totals {
  ops: number;
  checked: number;
  failed: number;
  ms: number;
}

await runScript(USAGE, async () => {
  const values = parseScriptArgs(process.argv.slice(2), {
    full: { type: 'boolean' },
    quiet: { type: 'boolean' },
    worker: { type: 'boolean' }, // internal: one of --jobs' children, prints a RESULT line
    stride: { type: 'string' },
    phase: { type: 'string' },
    seed: { type: 'string' },
    rounds: { type: 'string' },
    jobs: { type: 'string' },
    torn: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const full = values.full ?? false;
  const quiet = values.quiet ?? false;
  const stride = full ? 1 : wholeNumber(values.stride, 'stride', 7, 1);
  const phase = wholeNumber(values.phase, 'phase', 0);
  const seed = values.seed ?? 'sweep';
  const rounds = wholeNumber(values.rounds, 'rounds', 24);
  const jobs = wholeNumber(values.jobs, 'jobs', 1, 1);
  const tornOpt = values.torn ?? 'both';
  const modes = { only: [true], never: [false], both: [false, true] }[tornOpt];
  if (!modes) throw new ScriptUsageError(`--torn is only, never or both (got '${tornOpt}')`);

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
          console.log(`  ${done}/${total} cut points checked${values.worker ? ` (phase ${phase})` : ''}`);
        }
      },
    });
    for (const f of summary.failures) {
      if (f.op < 0) for (const v of f.violations) console.log(`FAIL ${v}`);
    }
    return { ops: summary.ops, checked: summary.checked, failed: summary.failures.length, ms: summary.ms };
  }

  function report(t: Totals, wallMs: number): number {
    const points = full ? 'every cut point' : `one cut point in ${stride}`;
    console.log(
      `crash sweep (seed '${seed}', ${rounds} rounds): the workload makes ${t.ops} mutating flash ops; checked ${t.checked} ` +
        `cuts (${points}, ${modes!.map((m) => (m ? 'torn' : 'clean cut')).join(' + ')}) in ${(wallMs / 1000).toFixed(1)} s` +
        `${jobs > 1 ? ` with ${jobs} jobs` : ''}; ${t.failed} failed`,
    );
    return t.failed > 0 ? 1 : 0;
  }

  /** One child of --jobs: the cut points phase + k*stride, every stride*jobs. */
  function job(k: number): Promise<Totals> {
    const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--worker', '--stride', String(stride * jobs)];
    args.push('--phase', String(phase + k * stride), '--seed', seed, '--rounds', String(rounds), '--torn', tornOpt);
    if (quiet) args.push('--quiet');
    return new Promise<Totals>((resolve, reject) => {
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
    });
  }

  if (values.worker) {
    console.log(`RESULT ${JSON.stringify(runHere())}`);
    return 0;
  }
  const t0 = performance.now();
  if (jobs === 1) return report(runHere(), performance.now() - t0);
  const all = await Promise.all(Array.from({ length: jobs }, (_, k) => job(k)));
  const t = { ops: all[0].ops, checked: 0, failed: 0, ms: 0 };
  for (const r of all) [t.checked, t.failed] = [t.checked + r.checked, t.failed + r.failed];
  return report(t, performance.now() - t0);
});

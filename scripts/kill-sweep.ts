// SIGKILL real `pvault` processes mid-write and check what the device folder holds after each kill (see
// scripts/lib/kill-sweep.ts for the scenarios and the checks). Exit 1 when any violation is found, 2 on bad usage.
//
//   node --import tsx scripts/kill-sweep.ts --kills 40 --writers 4 --seed s1 [--json]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runKillSweep } from './lib/kill-sweep.ts';
import { parseScriptArgs, runScript, wholeNumber } from './lib/script-args.ts';

const USAGE = `usage: node --import tsx scripts/kill-sweep.ts [options]
  --kills N       killed writes to attempt (default 20)
  --writers N     writers per concurrent burst, staggered starts (default 4; 0: no bursts)
  --bursts N      concurrent bursts (default one per 4 kills)
  --seed S        seed of the scenario, values and kill moments (default 'kill-sweep')
  --size SIZE     device size for pvault init (default 4MiB; 98MiB lasts through more kills)
  --dir DIR       scratch folder, kept afterwards (default: a temporary folder, removed when no violation)
  --pvault PATH   the pvault entry point to test (default: this checkout's bin/pvault.js)
  --json          one JSON summary on stdout
  --quiet         no progress lines`;

await runScript(USAGE, async () => {
  const v = parseScriptArgs(process.argv.slice(2), {
    kills: { type: 'string' },
    writers: { type: 'string' },
    bursts: { type: 'string' },
    seed: { type: 'string' },
    size: { type: 'string' },
    dir: { type: 'string' },
    pvault: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  const workDir = v.dir ? resolve(v.dir) : mkdtempSync(join(tmpdir(), 'pvault-kill-'));
  const summary = await runKillSweep({
    workDir,
    seed: v.seed ?? 'kill-sweep',
    kills: wholeNumber(v.kills, 'kills', 20),
    writers: wholeNumber(v.writers, 'writers', 4),
    bursts: v.bursts === undefined ? undefined : wholeNumber(v.bursts, 'bursts', 0),
    bin: v.pvault ? resolve(v.pvault) : undefined,
    size: v.size,
    log: v.quiet || v.json ? undefined : (line) => console.error(line),
  });
  const failed = summary.violations.length > 0;
  if (v.json) console.log(JSON.stringify(summary));
  else {
    console.log(
      `kill sweep (seed '${summary.seed}'): ${summary.kills} kills (${summary.landed} landed mid-run), ` +
        `${summary.acknowledged} acknowledged writes, ${summary.concurrentRuns} concurrent runs (${summary.busy} refused as busy), ` +
        `${summary.checks} checks in ${(summary.ms / 1000).toFixed(1)} s; violations: ${summary.violations.length}`,
    );
    for (const line of summary.violations) console.log(`VIOLATION ${line}`);
  }
  if (failed) console.error(`the device folder is kept for inspection: ${join(workDir, 'dev')}`);
  else if (!v.dir) rmSync(workDir, { recursive: true, force: true });
  return failed ? 1 : 0;
});

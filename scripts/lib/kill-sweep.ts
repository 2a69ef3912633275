// The kill sweep: real `pvault` processes on a real device folder, SIGKILLed mid-write, with a ledger of what each
// acknowledged run (exit 0) wrote. After each kill the device must mount (a `pvault` query of the killed key), every
// acknowledged value must read back exactly, and the killed key must hold its old or its new value, whole.
//
// Kill moments: at random (uniform over a typical run), or from the image's write pattern (0-5 ms after pddb.bin
// first changes, where a SIGKILL lands inside the sync). Key histories include the small/large boundary (8,000
// bytes, then 46, then a killed 62-byte writeover), a secret basis, and bursts of concurrent writers with staggered
// starts (with --wait each must succeed; without, each succeeds or is refused with DeviceBusy; none may corrupt).
import { mkdirSync, readFileSync, rmSync, statSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SeededRandom, randomBelow, randomBytes } from '../../lib/random.ts';
import { readSnapshot } from './device-snapshot.ts';
import { KillLedger, describeValue } from './kill-ledger.ts';
import { DEFAULT_PVAULT, PvaultProcess, describeRun, type PvaultResult } from './pvault-process.ts';

const SYSTEM = '.System';
const SECRET = 'hidden';
const PIN = '2468';
/** The secret basis's password: test data, passed through PVAULT_PASSWORD like a user would. */
const SECRET_PASSWORD = 'kill-sweep correct horse';
/** A lock whose holder was SIGKILLed may take a few seconds to go stale; runs wait this long for it. */
const LOCK_PATIENCE_S = 60;

export interface KillSweepOptions {
  /** A scratch folder (created, then holds the device folder and the value files). */
  workDir: string;
  seed: string;
  /** Killed writes to attempt. */
  kills: number;
  /** Writers per concurrent burst (0: no bursts). */
  writers: number;
  /** Concurrent bursts (default: one per 4 kills, at least one when writers > 0). */
  bursts?: number;
  /** The pvault entry point (default: this checkout's bin/pvault.js). */
  bin?: string;
  /** Device size for `pvault init --size` (default 4MiB). */
  size?: string;
  log?: (line: string) => void;
}

export interface KillSweepSummary {
  seed: string;
  /** Writes started with a kill planned. */
  kills: number;
  /** Of those, the ones the SIGKILL ended (the others finished first and count as acknowledged). */
  landed: number;
  acknowledged: number;
  concurrentRuns: number;
  /** Concurrent writers refused with DeviceBusy (allowed only without --wait). */
  busy: number;
  /** How the CLI behaves, as probed: does `writeover` replace or overlay, which verb replaces, is --wait there. */
  semantics: { writeover: 'replace' | 'overlay'; replaceVerb: string; wait: boolean };
  checks: number;
  violations: string[];
  ms: number;
}

type Verb = 'replace' | 'writeover';

export async function runKillSweep(opts: KillSweepOptions): Promise<KillSweepSummary> {
  const t0 = performance.now();
  const log = opts.log ?? (() => {});
  const rng = new SeededRandom(`kill-sweep/${opts.seed}`);
  const dev = join(opts.workDir, 'dev');
  const valuesDir = join(opts.workDir, 'values');
  rmSync(opts.workDir, { recursive: true, force: true });
  mkdirSync(valuesDir, { recursive: true });
  const pvault = new PvaultProcess(opts.bin ?? DEFAULT_PVAULT, PIN);
  const ledger = new KillLedger();
  const violations: string[] = [];
  const summary: KillSweepSummary = {
    seed: opts.seed,
    kills: 0,
    landed: 0,
    acknowledged: 0,
    concurrentRuns: 0,
    busy: 0,
    semantics: { writeover: 'replace', replaceVerb: 'writeover', wait: false },
    checks: 0,
    violations,
    ms: 0,
  };
  let valueFiles = 0;
  const ackTimes: number[] = [];

  const must = (what: string, r: PvaultResult): void => {
    if (r.status !== 0) throw new Error(`kill sweep setup: ${what} failed: ${describeRun(r)}`);
  };
  const valueFile = (v: Uint8Array): string => {
    const f = join(valuesDir, `v${valueFiles++}.bin`);
    writeFileSync(f, v);
    return f;
  };
  let waitArgs: string[] = [];
  const deviceArgs = (basis: string) => [
    '--dir',
    dev,
    '--json',
    ...waitArgs,
    ...(basis === SYSTEM ? [] : ['--basis', basis]),
  ];
  const passwordOf = (basis: string) => (basis === SYSTEM ? undefined : SECRET_PASSWORD);
  const split = (path: string) => path.split('/') as [string, string, string];

  /** `pvault pddb query`, raw bytes through --out: the value, null when NotFound, or the failed run. */
  async function query(path: string): Promise<Uint8Array | null | PvaultResult> {
    const [basis, dict, key] = split(path);
    const out = join(valuesDir, `q${valueFiles++}.bin`);
    const r = await runPatiently(['pddb', 'query', ...deviceArgs(basis), '--out', out, `${dict}:${key}`], basis);
    if (r.status === 0) return new Uint8Array(readFileSync(out));
    return r.errorCode === 'NotFound' ? null : r;
  }

  // ---- how this CLI behaves (the original's `writeover` writes from offset 0 without truncating)
  let overlay = false;
  let replaceVerb = 'writeover';
  /** The value a key holds after `verb` wrote `data` over `old`. */
  const apply = (verb: Verb, old: Uint8Array | null, data: Uint8Array): Uint8Array => {
    if (verb === 'replace' || !overlay || old === null || old.length <= data.length) return data.slice();
    const next = old.slice();
    next.set(data);
    return next;
  };
  const verbName = (verb: Verb) => (verb === 'replace' ? replaceVerb : 'writeover');
  const writeArgs = (verb: Verb, path: string, file: string) => {
    const [basis, dict, key] = split(path);
    // Options before the positionals: words after the value's slot are data to the CLI.
    return ['pddb', verbName(verb), ...deviceArgs(basis), '--file', file, `${dict}:${key}`];
  };

  async function probe(): Promise<void> {
    must('init', await pvault.run(['init', '--dir', dev, '--size', opts.size ?? '4MiB', '--json']));
    const path = KillLedger.path(SYSTEM, 'probe', 'k');
    const read = async () => {
      const v = await query(path);
      if (!(v instanceof Uint8Array))
        throw new Error(`kill sweep setup: probe query failed: ${v === null ? 'NotFound' : describeRun(v)}`);
      return Buffer.from(v).toString();
    };
    // The first write also tells whether --wait exists (a usage error, exit 2, if not).
    waitArgs = [`--wait=${LOCK_PATIENCE_S}`];
    const first = valueFile(Buffer.from('AAAAAAAA'));
    let created = await pvault.run(writeArgs('writeover', path, first));
    if (created.status === 2) {
      waitArgs = [];
      created = await pvault.run(writeArgs('writeover', path, first));
    }
    must('probe write', created);
    must('probe writeover', await pvault.run(writeArgs('writeover', path, valueFile(Buffer.from('BB')))));
    const seen = await read();
    if (seen !== 'BB' && seen !== 'BBAAAAAA') throw new Error(`kill sweep setup: writeover left '${seen}'`);
    overlay = seen === 'BBAAAAAA';
    if (overlay) {
      replaceVerb = 'write'; // the original's `write` is File::create: create or replace
      must('probe write over a key', await pvault.run(writeArgs('replace', path, valueFile(Buffer.from('C')))));
      if ((await read()) !== 'C')
        throw new Error('kill sweep setup: no verb replaces a value (writeover overlays, write does not replace)');
    }
    ledger.ack(path, Buffer.from(overlay ? 'C' : 'BB'));
    summary.semantics = { writeover: overlay ? 'overlay' : 'replace', replaceVerb, wait: waitArgs.length > 0 };
    must(
      'basiscreate',
      await pvault.run(['pddb', 'basiscreate', '--dir', dev, '--json', ...waitArgs, SECRET], {
        password: SECRET_PASSWORD,
      }),
    );
    log(
      `device ready: writeover ${summary.semantics.writeover}s, '${replaceVerb}' replaces, --wait ${waitArgs.length > 0 ? 'supported' : 'absent'}`,
    );
  }

  /** Run a pvault command, retrying while the device is busy (a killed holder's stale lock) when --wait is absent. */
  async function runPatiently(args: string[], basis: string): Promise<PvaultResult> {
    const deadline = performance.now() + LOCK_PATIENCE_S * 1000;
    for (;;) {
      const r = await pvault.run(args, { password: passwordOf(basis) });
      if (r.errorCode !== 'DeviceBusy' || waitArgs.length > 0 || performance.now() > deadline) return r;
      await new Promise((res) => setTimeout(res, 200));
    }
  }

  /** An acknowledged write: it must succeed. */
  async function ackWrite(verb: Verb, path: string, data: Uint8Array): Promise<void> {
    const old = ledger.current(path);
    const r = await runPatiently(writeArgs(verb, path, valueFile(data)), split(path)[0]);
    if (r.status !== 0) {
      violations.push(`${verbName(verb)} ${path} (${data.length} bytes, not killed) failed: ${describeRun(r)}`);
      return;
    }
    ackTimes.push(r.ms);
    ledger.ack(path, apply(verb, old, data));
  }

  /** A write SIGKILLed `delay` ms after pddb.bin first changes ('pattern'), or after `delay` ms ('random'). */
  async function killedWrite(
    verb: Verb,
    path: string,
    data: Uint8Array,
    mode: 'pattern' | 'random',
    delay: number,
  ): Promise<void> {
    summary.kills++;
    const old = ledger.current(path);
    const next = apply(verb, old, data);
    const image = join(dev, 'pddb.bin');
    const before = statSync(image).mtimeMs;
    const started = pvault.start(writeArgs(verb, path, valueFile(data)), { password: passwordOf(split(path)[0]) });
    const kill = () => started.child.kill('SIGKILL');
    let timer: NodeJS.Timeout | undefined;
    // Any event on the file (a chmod, say) is a hint; the kill is timed from the first change of its mtime.
    const watcher =
      mode === 'pattern'
        ? watch(image, () => {
            if (timer !== undefined || statSync(image, { throwIfNoEntry: false })?.mtimeMs === before) return;
            watcher?.close();
            timer = setTimeout(kill, delay);
          })
        : undefined;
    if (mode === 'random') timer = setTimeout(kill, delay);
    const r = await started.done;
    watcher?.close();
    clearTimeout(timer);
    const what = `${verbName(verb)} of ${data.length} bytes to ${path} (was ${describeValue(old)}), killed ${mode === 'pattern' ? `${delay} ms after pddb.bin changed` : `at ${delay} ms`}`;
    if (r.signal === 'SIGKILL') {
      summary.landed++;
      ledger.killed(path, next);
      log(`kill ${summary.kills}: ${what}: landed`);
    } else if (r.status === 0) {
      ledger.ack(path, next);
      log(`kill ${summary.kills}: ${what}: finished first`);
    } else {
      violations.push(`${what}: failed before the kill: ${describeRun(r)}`);
    }
    await check(path, `after kill ${summary.kills} (${what})`);
  }

  /** The device mounts and reads the key through pvault; then every ledger key through a snapshot of the image. */
  async function check(killedPath: string | null, label: string): Promise<void> {
    summary.checks++;
    if (killedPath !== null) {
      const seen = await query(killedPath);
      const bad =
        seen !== null && !(seen instanceof Uint8Array)
          ? `pvault query ${killedPath} failed: ${describeRun(seen)}`
          : ledger.settle(killedPath, seen);
      if (bad) {
        violations.push(`${label}: ${bad}`);
        return;
      }
    }
    let reads;
    try {
      reads = readSnapshot(dev, PIN, { [SECRET]: SECRET_PASSWORD }, ledger.paths());
    } catch (e) {
      violations.push(`${label}: the image does not mount: ${(e as Error).message}`);
      return;
    }
    for (const [path, got] of reads) {
      const bad =
        got !== null && !(got instanceof Uint8Array) ? `${path} does not read: ${got.error}` : ledger.settle(path, got);
      if (bad) violations.push(`${label}: ${bad}`);
    }
  }

  /** Writers with staggered starts on fresh keys; half without --wait (they may be refused with DeviceBusy). */
  async function burst(n: number, tag: string): Promise<void> {
    const runs: Promise<void>[] = [];
    let at = 0;
    for (let j = 0; j < n; j++) {
      const basis = j % 3 === 2 ? SECRET : SYSTEM;
      const path = KillLedger.path(basis, basis === SYSTEM ? 'burst' : 'burst.hidden', `${tag}w${j}`);
      const data = randomBytes(rng, sizeOf(j % 4 === 3 ? 'large' : 'small'));
      const patient = waitArgs.length > 0 && j % 2 === 0;
      const args = writeArgs('replace', path, valueFile(data)).filter((a) => patient || !a.startsWith('--wait'));
      at += randomBelow(rng, 300);
      const startAt = at;
      runs.push(
        (async () => {
          await new Promise((res) => setTimeout(res, startAt));
          const r = await pvault.run(args, { password: passwordOf(basis) });
          summary.concurrentRuns++;
          if (r.status === 0) ledger.ack(path, data);
          else if (r.errorCode === 'DeviceBusy' && !patient) summary.busy++;
          else
            violations.push(
              `concurrent ${tag}: writer ${j}${patient ? ' (--wait)' : ''} to ${path}: ${describeRun(r)}`,
            );
        })(),
      );
    }
    await Promise.all(runs);
    log(`burst ${tag}: ${n} writers, ${summary.busy} refused as busy so far`);
    await check(null, `after concurrent burst ${tag}`);
  }

  function sizeOf(kind: 'small' | 'edge' | 'large'): number {
    if (kind === 'small') return 1 + randomBelow(rng, 300);
    if (kind === 'edge') return 4000 + randomBelow(rng, 130);
    return 4100 + randomBelow(rng, 16_000);
  }

  const typicalMs = () => {
    const sorted = [...ackTimes].sort((a, b) => a - b);
    return sorted.length > 0 ? sorted[Math.floor(sorted.length / 2)] : 1500;
  };

  await probe();
  const bursts = opts.writers > 0 ? (opts.bursts ?? Math.max(1, Math.floor(opts.kills / 4))) : 0;
  /** Before which kill each burst runs (spread evenly; all at the end when there are no kills). */
  const burstBefore = Array.from({ length: bursts }, (_, b) => Math.floor(((b + 1) * opts.kills) / (bursts + 1)));
  const pool = [SYSTEM, SECRET].flatMap((basis) =>
    [0, 1, 2].map((i) => KillLedger.path(basis, basis === SYSTEM ? 'keys' : 'keys.hidden', `k${i}`)),
  );
  // A violation leaves the ledger unsure of what the device holds: the sweep stops at the first one.
  for (let i = 0; i <= opts.kills && violations.length === 0; i++) {
    for (const b of burstBefore) if (b === i && violations.length === 0) await burst(opts.writers, `b${i}`);
    if (i === opts.kills || violations.length > 0) break;
    const mode = randomBelow(rng, 3) === 0 ? 'random' : 'pattern';
    const delay = mode === 'pattern' ? randomBelow(rng, 6) : randomBelow(rng, Math.ceil(typicalMs() * 1.3));
    if (i % 2 === 0) {
      // The boundary history of issue 6: 8,000 bytes, then 46, then a killed 62-byte writeover.
      const basis = i % 4 === 0 ? SYSTEM : SECRET;
      const path = KillLedger.path(basis, basis === SYSTEM ? 'edge' : 'edge.hidden', `e${i}`);
      await ackWrite('replace', path, randomBytes(rng, 8000));
      await ackWrite('replace', path, randomBytes(rng, 46));
      await killedWrite('writeover', path, randomBytes(rng, 62), mode, delay);
    } else {
      const path = pool[randomBelow(rng, pool.length)];
      if (ledger.current(path) === null) await ackWrite('replace', path, randomBytes(rng, sizeOf('large')));
      const verb: Verb = randomBelow(rng, 2) === 0 ? 'replace' : 'writeover';
      const kinds = ['small', 'edge', 'large'] as const;
      await killedWrite(verb, path, randomBytes(rng, sizeOf(kinds[randomBelow(rng, 3)])), mode, delay);
    }
  }
  summary.acknowledged = ledger.acknowledged;
  summary.ms = performance.now() - t0;
  return summary;
}

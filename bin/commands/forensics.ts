// `pvault forensics inspect|game`: the deniability lab (pddb/forensics) from the shell. `inspect` shows what the
// holder of the boot PIN (and of any disclosed basis password) sees in an image: every data page classed, FastSpace's
// record counts, pictures. `game` plays a seeded deniability game and prints its figures with 95% intervals. Images
// are read into memory and never written. Secrets come from the environment only (PVAULT_PIN, --password NAME=ENVVAR).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { flag, parseArgs, value, values, UsageError, type Parsed } from '../args.ts';
import { done, emit, io, progressBar } from '../output.ts';
import { basisPasswords } from '../secrets.ts';
import { noteOutputMode } from '../session.ts';
import { PddbEngine } from '../../pddb/engine/engine.ts';
import { PddbError, isPddbError } from '../../pddb/errors.ts';
import { MemoryFlash } from '../../pddb/flash/memory.ts';
import { TEST_PDDB_LEN } from '../../pddb/format/constants.ts';
import { classBitmapPng } from '../../pddb/forensics/bitmap.ts';
import { coercedView, type CoercedView } from '../../pddb/forensics/coerced-view.ts';
import { playGame, type GameName, type GameResult } from '../../pddb/forensics/games.ts';
import { LEAKY_VARIANTS, type LeakyVariant } from '../../pddb/forensics/leaky-variants.ts';
import { classBitmapSvg } from '../../pddb/forensics/svg.ts';
import { sizeOf } from './init.ts';

export const FORENSICS_HELP = `usage: pvault forensics inspect IMAGE [--keybox FILE] [--password NAME=ENVVAR ...] [--png OUT] [--svg OUT] [--json]
       pvault forensics game single|count|multi --adversary blind|coerced --trials N --seed S [--size 4MiB]
                             [--mitigation none|churn|cover|decoy] [--variant V] [--disclosed K] [--steps N] [--json]

inspect: what the holder of the boot PIN (PVAULT_PIN) and of the disclosed passwords (--password, repeatable) sees
in IMAGE (a pddb.bin), with the keybox (default: keybox.bin beside IMAGE). Every data page is classed:
  system          mapped by a .System page-table entry
  disclosed       mapped by a basis whose password was given
  listed          listed free by FastSpace
  used-unmapped   marked Used by FastSpace, mapped by no basis shown (another basis's page: a leak)
  unexplained     none of these: a free page the cache leaves out, or a basis not shown
--png draws the view; --svg draws the boot-PIN view beside the view with the passwords (with every password: the
owner's view).

game: a seeded deniability game on fresh emulated devices (nothing on disk is touched):
  single  world 0: a decoy workload; world 1: the same plus a secret basis. Held-out accuracy and advantage
          (accuracy - 1/2) of the best threshold rule over the adversary's statistics
  count   K disclosed passwords (--disclosed, default 1): K or K+1 bases? (bytes, error codes, unlock timing)
  multi   snapshot, workload, snapshot: ROC AUC of the changed pages nothing disclosed explains
--trials N devices per world (at least 4), --variant ${LEAKY_VARIANTS.join('|')} (leaky engines for tests
only), --mitigation cover refreshes 16 known-free pages at each sync, decoy leaks 0-4 free pages filled with noise
at each sync (they look like a hidden basis's new pages), churn runs pddb churn before the snapshot.
Every figure has a 95% interval (Wilson; Hanley-McNeil for the AUC). A progress bar goes to stderr.`;

const GAMES = ['single', 'count', 'multi'] as const;
const MITIGATIONS = ['none', 'churn', 'cover', 'decoy'] as const;

export async function forensicsCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, {
    json: {},
    help: { short: 'h' },
    keybox: { value: true },
    png: { value: true },
    svg: { value: true },
    password: { value: true, repeat: true },
    adversary: { value: true },
    trials: { value: true },
    seed: { value: true },
    size: { value: true },
    mitigation: { value: true },
    variant: { value: true },
    disclosed: { value: true },
    steps: { value: true },
  });
  noteOutputMode(p);
  const [verb, ...rest] = p.positionals;
  if (flag(p, 'help') || verb === undefined) return void io.out(FORENSICS_HELP);
  if (verb === 'inspect') return inspect(p, rest);
  if (verb === 'game') return game(p, rest);
  throw new UsageError(`unknown forensics verb '${verb.slice(0, 40)}' (inspect, game)`);
}

async function inspect(p: Parsed, rest: string[]): Promise<void> {
  const [image, ...extra] = rest;
  if (image === undefined || extra.length > 0) throw new UsageError('inspect takes one IMAGE');
  const pin = process.env.PVAULT_PIN;
  if (!pin) throw new UsageError('the boot PIN comes from PVAULT_PIN');
  const names = values(p, 'password').map((spec) => spec.slice(0, Math.max(0, spec.indexOf('='))));
  const passwords = await basisPasswords(p, names);
  const flash = MemoryFlash.from(new Uint8Array(readFileSync(image)));
  const keybox = new Uint8Array(readFileSync(value(p, 'keybox') ?? join(dirname(image), 'keybox.bin')));
  const engine = PddbEngine.mount(flash, keybox, pin);
  [...passwords].forEach(([name, pw], n) => {
    try {
      engine.unlockBasis(name, pw);
    } catch (e) {
      // The engine's message names the basis; a name may itself be the secret.
      if (!isPddbError(e, 'AccessDenied')) throw e;
      engine.close();
      throw new PddbError(
        'AccessDenied',
        `the basis of --password number ${n + 1} does not open with that password (or does not exist)`,
      );
    }
  });
  const [system, ...shown] = engine.exportKeys();
  engine.close();
  const coerced = coercedView(flash, system.keys);
  const view =
    shown.length > 0
      ? coercedView(
          flash,
          system.keys,
          0n,
          shown.map((b) => b.keys),
        )
      : coerced;
  for (const b of [system, ...shown]) b.keys.pt.fill(0), b.keys.data.fill(0);
  const png = value(p, 'png');
  if (png !== undefined) writeFileSync(png, classBitmapPng(view.classes));
  const svg = value(p, 'svg');
  if (svg !== undefined) {
    const panels = [{ title: 'boot PIN', classes: coerced.classes }];
    if (shown.length > 0) panels.push({ title: `boot PIN + ${shown.length} password(s)`, classes: view.classes });
    writeFileSync(svg, classBitmapSvg(panels));
  }
  const counts = countsOf(view);
  const pictures = [png, svg].filter((f) => f !== undefined);
  const text = [
    `data pages ${view.classes.length}: system ${counts.system}, disclosed ${counts.disclosed}, listed ${counts.listed}, used-unmapped ${counts.usedUnmapped}, unexplained ${counts.unexplained}`,
    `FastSpace: ${view.masterRecords} master record(s), ${view.logRecords} log record(s)${pictures.length > 0 ? `; pictures in ${pictures.join(', ')}` : ''}`,
  ].join('\n');
  emit(
    done(text, {
      dataPages: view.classes.length,
      counts,
      disclosedBases: shown.length,
      masterRecords: view.masterRecords,
      logRecords: view.logRecords,
      ...(png !== undefined ? { png } : {}),
      ...(svg !== undefined ? { svg } : {}),
    }),
  );
}

function countsOf(v: CoercedView) {
  const { System, Listed, UsedUnmapped, Unexplained, Disclosed } = v.counts;
  return { system: System, disclosed: Disclosed, listed: Listed, usedUnmapped: UsedUnmapped, unexplained: Unexplained };
}

function oneOf<T extends string>(p: Parsed, name: string, allowed: readonly T[], fallback?: T): T {
  const v = value(p, name) ?? fallback;
  if (v === undefined) throw new UsageError(`game needs --${name} ${allowed.join('|')}`);
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`--${name} is one of ${allowed.join(', ')}`);
  return v as T;
}

function integer(p: Parsed, name: string, fallback?: number): number {
  const raw = value(p, name);
  if (raw === undefined && fallback !== undefined) return fallback;
  const n = Number(raw);
  if (raw === undefined || !/^\d+$/.test(raw) || !Number.isSafeInteger(n))
    throw new UsageError(`--${name} takes a whole number`);
  return n;
}

async function game(p: Parsed, rest: string[]): Promise<void> {
  const [name, ...extra] = rest;
  if (name === undefined || !(GAMES as readonly string[]).includes(name) || extra.length > 0)
    throw new UsageError('game takes one of single, count, multi');
  const trials = integer(p, 'trials');
  if (trials < 4) throw new UsageError('--trials is at least 4 (half train the classifier, half score it)');
  const seed = value(p, 'seed');
  if (seed === undefined) throw new UsageError('game needs --seed S (results are reproducible from it)');
  const size = value(p, 'size') === undefined ? TEST_PDDB_LEN : sizeOf(value(p, 'size'), undefined);
  const r = playGame(name as GameName, {
    adversary: oneOf(p, 'adversary', ['blind', 'coerced'] as const),
    trials,
    seed,
    size,
    mitigation: oneOf(p, 'mitigation', MITIGATIONS, 'none'),
    variant: oneOf<LeakyVariant>(p, 'variant', LEAKY_VARIANTS, 'none'),
    disclosed: integer(p, 'disclosed', 1),
    steps: integer(p, 'steps', 24),
    onProgress: progressBar(`${name} game`),
  });
  emit(done(describe(r), { result: r }));
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const span = (i: { estimate: number; low: number; high: number }, f: (x: number) => string) =>
  `${f(i.estimate)} [${f(i.low)}, ${f(i.high)}]`;

function describe(r: GameResult): string {
  const head = `${r.game} game, ${r.adversary} adversary, variant ${r.variant}, mitigation ${r.mitigation}, ${r.trials} devices per world, seed ${r.seed}`;
  const figures = r.auc
    ? `ROC AUC ${span(r.auc, (x) => x.toFixed(3))} (0.5: nothing learned)`
    : `accuracy ${span(r.accuracy!, pct)}, advantage ${span(r.advantage!, (x) => x.toFixed(3))} (best rule: ${r.rule!.feature})`;
  return `${head}\n${figures}\nflash per sync: ${r.cost.erasesPerSync.toFixed(1)} erases, ${r.cost.programsPerSync.toFixed(1)} programs (95% intervals)`;
}

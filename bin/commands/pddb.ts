// `pvault pddb <verb>`: the original's shell commands for the PDDB (services/shellchat/src/cmds/pddb_cmd.rs),
// offline on a device folder, plus our extras under their own names. Every run boots the device, does one thing,
// syncs and powers off, and only then prints its one report. Each verb is one entry of VERBS.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { flag, parseArgs, value, UsageError, type Parsed } from '../args.ts';
import { done, emit, list, type Outcome, io } from '../output.ts';
import { basisFlags, commonFlags, noteOutputMode, passwordFor, withDevice } from '../session.ts';
import type { Device } from '../../vault/device/device.ts';
import type { PddbCheckReport } from '../../pddb/api.ts';

interface Verb {
  /** Arguments, for the help text. */
  args: string;
  /** What it does, for the help text; (+) marks our extras, which the original's shell lacks. */
  about: string;
  /** How many positionals (after the verb) name things; a write-like verb's data starts after them. */
  dataAfter?: (args: readonly string[]) => boolean;
  run: (p: Parsed, args: string[]) => Promise<Outcome>;
}

const afterDictKey = (args: readonly string[]) =>
  args.length >= 1 && args[0].includes(':') ? args.length >= 1 : args.length >= 2;

const VERBS: Record<string, Verb> = {
  basislist: {
    args: '',
    about: 'open bases, oldest first (.System, then each --basis)',
    run: (p, args) => device(p, args, 0, async (d) => list(await d.pddb.listBasis())),
  },
  default: {
    args: '',
    about: 'the default basis: the latest opened, where unqualified writes go',
    run: (p, args) =>
      device(p, args, 0, async (d) => {
        const basis = await d.pddb.latestBasis();
        return { json: { basis }, text: `the current default basis is: ${basis}` };
      }),
  },
  basiscreate: {
    args: 'NAME',
    about: 'create a secret basis (password: see below); it stays locked',
    run: async (p, args) => {
      const [name] = names(args, 1, 'NAME');
      const pw = await passwordFor(p, name);
      return device(p, args, 1, async (d) => (await d.pddb.createBasis(name, pw), done(`created basis ${name}`)));
    },
  },
  basisunlock: {
    args: 'NAME',
    about: 'check that the password opens NAME (each run starts with only .System open)',
    run: async (p, args) => {
      const [name] = names(args, 1, 'NAME');
      const pw = await passwordFor(p, name);
      return device(p, args, 1, async (d) => (await d.pddb.unlockBasis(name, pw), done(`basis ${name} unlocks`)));
    },
  },
  basislock: {
    args: 'NAME',
    about: 'sync and lock NAME (unlocked with --basis)',
    run: (p, args) => {
      const [name] = names(args, 1, 'NAME');
      return device(p, args, 1, async (d) => (await d.pddb.lockBasis(name), done(`locked basis ${name}`)));
    },
  },
  basisdelete: {
    args: 'NAME',
    about: 'delete NAME and scrub every page it holds (needs its password)',
    run: (p, args) => {
      const [name] = names(args, 1, 'NAME');
      return device(p, args, 1, async (d) => {
        if (!(await d.pddb.listBasis()).includes(name)) await d.pddb.unlockBasis(name, await passwordFor(p, name));
        await d.pddb.deleteBasis(name);
        return done(`deleted basis ${name}`);
      });
    },
  },
  dictlist: {
    args: '',
    about: 'dicts of the open bases (union), or of --in BASIS',
    run: (p, args) => device(p, args, 0, async (d) => list(await d.pddb.listDicts(value(p, 'in')))),
  },
  keylist: {
    args: 'DICT',
    about: 'keys of DICT (union), or of --in BASIS',
    run: (p, args) => {
      const [dict] = names(args, 1, 'DICT');
      return device(p, args, 1, async (d) => list(await d.pddb.listKeys(dict, value(p, 'in'))));
    },
  },
  query: {
    args: 'DICT:KEY',
    about: 'print a value: raw bytes, --hex, --out FILE (0600), or --json (base64)',
    run: async (p, args) => {
      const [dict, key] = dictKey(args, false);
      const target = value(p, 'out');
      const { bytes, basis } = await withDevice(p, async (d) => {
        const handle = await d.pddb.get(dict, key, { basis: value(p, 'in') });
        return { bytes: await handle.readAll(), basis: handle.basis };
      });
      if (target) {
        writeFileSync(target, bytes, { mode: 0o600 });
        chmodSync(target, 0o600); // an existing file keeps its mode otherwise
      }
      const json = {
        dict,
        key,
        basis,
        len: bytes.length,
        ...(target ? { out: target } : { base64: Buffer.from(bytes).toString('base64') }),
      };
      if (target) return { json, text: `wrote ${bytes.length} bytes to ${target}` };
      return { json, text: flag(p, 'hex') ? Buffer.from(bytes).toString('hex') : bytes };
    },
  },
  write: {
    args: 'DICT:KEY [VALUE...]',
    about: 'create DICT:KEY or replace its value (as File::create); the dict is created if needed',
    dataAfter: afterDictKey,
    run: (p, args) => writeVerb(p, args, 'replace'),
  },
  writeover: {
    args: 'DICT:KEY [VALUE...]',
    about: 'write VALUE over the start of DICT:KEY, keeping any longer tail (created if absent; no VALUE: empty key)',
    dataAfter: afterDictKey,
    run: (p, args) => writeVerb(p, args, 'over'),
  },
  copy: {
    args: 'SRC_DICT:KEY DST_DICT:KEY',
    about: "copy a key's value to another key, created or replaced",
    run: (p, args) => {
      if (args.length !== 2 || !args.every((a) => a.includes(':')))
        throw new UsageError('copy takes SRC_DICT:KEY DST_DICT:KEY');
      const [src, dst] = args.map((a) => dictKey([a], false));
      return device(p, args, 2, async (d) => {
        const data = await (await d.pddb.get(src[0], src[1], { basis: value(p, 'in') })).readAll();
        const basis = await putValue(d, dst[0], dst[1], data, 'replace', value(p, 'in'));
        return done(`copied ${data.length} bytes from ${args[0]} to ${args[1]} in ${basis}`, {
          basis,
          len: data.length,
        });
      });
    },
  },
  keydelete: {
    args: 'DICT:KEY',
    about: 'delete a key (in the latest basis, or --in BASIS)',
    run: (p, args) => {
      const [dict, key] = dictKey(args, false);
      return device(
        p,
        args,
        args.length,
        async (d) => (await d.pddb.deleteKey(dict, key, value(p, 'in')), done(`deleted ${dict}:${key}`)),
      );
    },
  },
  dictdelete: {
    args: 'DICT',
    about: 'delete a dict and its keys (in the latest basis, or --in BASIS)',
    run: (p, args) => {
      const [dict] = names(args, 1, 'DICT');
      return device(
        p,
        args,
        1,
        async (d) => (await d.pddb.deleteDict(dict, value(p, 'in')), done(`deleted dict ${dict}`)),
      );
    },
  },
  churn: {
    args: '',
    about: 'sync, then rewrite every page of the open bases to fresh pages and refresh the free-space noise',
    run: (p, args) => device(p, args, 0, async (d) => (await d.pddb.sync(), await d.pddb.churn(), done('churned'))),
  },
  flush: {
    args: '',
    about: 'sync the open bases (the original also flushes the space-update log: see README)',
    run: (p, args) => device(p, args, 0, async (d) => (await d.pddb.sync(), done('synced'))),
  },
  sync: {
    args: '',
    about: 'sync the open bases',
    run: (p, args) => device(p, args, 0, async (d) => (await d.pddb.sync(), done('synced'))),
  },
  cleanup: {
    args: '',
    about:
      "sync the open bases (the original's sync_cleanup also prunes its RAM cache, which this model does not keep)",
    run: (p, args) => device(p, args, 0, async (d) => (await d.pddb.sync(), done('synced'))),
  },
  rebuildspace: {
    args: '',
    about: '(+) rebuild the free-space cache from the open bases: open ALL of them, then --all-bases-present',
    run: (p, args) => {
      if (!flag(p, 'all-bases-present')) {
        throw new UsageError(
          'rebuildspace lists every page no open basis uses as free: pages of a basis left locked would be overwritten. ' +
            'Open every basis with --basis, then confirm with --all-bases-present',
        );
      }
      return device(p, args, 0, async (d) => {
        const free = await d.pddb.rebuildSpace({ allBasesPresent: true });
        return done(`free-space cache rebuilt: ${free} pages`, { freeSpace: free });
      });
    },
  },
  check: {
    args: '',
    about: '(+) walk the open bases: every damaged or missing page, the keys it touches (exit 1 if any)',
    run: (p, args) => device(p, args, 0, async (d) => checkOutcome(await d.pddb.check())),
  },
  consistency: {
    args: '',
    about: "the original's name for check",
    run: (p, args) => device(p, args, 0, async (d) => checkOutcome(await d.pddb.check())),
  },
  status: {
    args: '',
    about: '(+) image size, free space, flash wear of this run',
    run: (p, args) =>
      device(p, args, 0, async (d) => {
        const s = await d.pddb.status();
        const text = [
          `image: ${s.size} bytes, ${s.dataPages} data pages`,
          `free-space cache: ${s.freeSpace} pages`,
          `flash this run: ${s.erases} erases, ${s.programs} programs`,
        ].join('\n');
        return { json: s, text };
      }),
  },
};

const specs = {
  ...commonFlags,
  ...basisFlags,
  in: { value: true },
  file: { value: true },
  stdin: {},
  hex: {},
  out: { value: true },
  'all-bases-present': {},
} as const;

export const PDDB_HELP = `usage: pvault pddb [options] <verb> [args]

verbs (the original's shell names; (+) marks our extras):
${Object.entries(VERBS)
  .map(([name, v]) => `  ${`${name} ${v.args}`.padEnd(34)}${v.about}`)
  .join('\n')}

DICT:KEY may also be written DICT KEY. For write and writeover, everything after DICT:KEY is the value (words
joined by one space, as the original's shell does), even words that look like options: put options before it.
Without words, the value comes from --file PATH or --stdin. After \`--\`, every word is an argument.

options:
  --dir DIR                   device folder (default ./.pvault)
  --wait [SECONDS]            wait (default 60 s) while another process uses the device, instead of failing
  --basis NAME                unlock NAME before the verb (repeat; the last one ends on top)
  --in NAME                   act on basis NAME only instead of the stack rules
  --password NAME=ENVVAR      NAME's password from environment variable ENVVAR (repeat)
  --password-stdin            passwords from stdin, one line per basis, in the order they are needed
  --json                      one JSON document on stdout, printed once the outcome is known
  --trace                     print the IPC sequence diagram of the run on stderr
  --all-bases-present         every basis is open (--basis): a sync may refill the free-space cache from a full
                              scan (values over ~8 MiB); required by rebuildspace
secrets: the boot PIN from PVAULT_PIN; a single basis password may come from PVAULT_PASSWORD.
`;

export async function pddbCommand(argv: string[]): Promise<number | void> {
  const p = parseArgs(argv, specs, {
    dataFrom: (pos) => {
      const verb = pos.length > 0 ? VERBS[pos[0]] : undefined;
      return verb?.dataAfter?.(pos.slice(1)) ?? false;
    },
  });
  noteOutputMode(p);
  const [verbName, ...args] = p.positionals;
  if (flag(p, 'help') || verbName === undefined) return void io.out(PDDB_HELP);
  const verb = Object.hasOwn(VERBS, verbName) ? VERBS[verbName] : undefined;
  if (!verb) throw new UsageError(`unknown pddb verb '${verbName.slice(0, 40)}' (see pvault pddb --help)`);
  const outcome = await verb.run(p, args);
  emit(outcome);
  return outcome.exit;
}

/** A check report: one line per damaged page and per key it touches, then what was walked; exit 1 on damage. */
function checkOutcome(r: PddbCheckReport): Outcome {
  const lines = [
    ...r.pages.map((g) => `damaged: basis '${g.basis}', page ${g.vpage} ${g.state}: ${g.holds}`),
    ...r.keys.map(
      (k) =>
        `key ${k.dict}:${k.key} in '${k.basis}': ${k.readable} of ${k.len} bytes readable, ${k.badPages} bad page(s)`,
    ),
  ];
  const more = r.pagesTotal + r.keysTotal - r.pages.length - r.keys.length;
  if (more > 0) lines.push(`... and ${more} more (${r.pagesTotal} damaged pages, ${r.keysTotal} keys touched)`);
  const walked = r.bases.map((b) => `${b.basis}: ${b.dicts} dicts, ${b.keys} keys, ${b.pages} pages`).join('; ');
  lines.push(r.ok ? `no damage found (${walked})` : `checked ${walked}`);
  return { json: r, text: lines.join('\n'), exit: r.ok ? 0 : 1 };
}

/** Run `body` on the booted device once `args` is known to hold exactly `count` arguments. */
function device(p: Parsed, args: string[], count: number, body: (d: Device) => Promise<Outcome>): Promise<Outcome> {
  if (args.length !== count)
    throw new UsageError(`expected ${count} argument${count === 1 ? '' : 's'}, got ${args.length}`);
  return withDevice(p, body);
}

function names(args: string[], count: number, what: string): string[] {
  if (args.length !== count) throw new UsageError(`expected ${what}`);
  return args;
}

/** DICT:KEY (split at the first ':', as the original) or DICT KEY; with `withValue`, the words after it too. */
function dictKey(args: string[], withValue: true): [string, string, string[]];
function dictKey(args: string[], withValue: false): [string, string];
function dictKey(args: string[], withValue: boolean): [string, string, string[]] | [string, string] {
  const at = args[0]?.indexOf(':') ?? -1;
  const [dict, key, rest] =
    at >= 0 ? [args[0].slice(0, at), args[0].slice(at + 1), args.slice(1)] : [args[0], args[1], args.slice(2)];
  if (dict === undefined || key === undefined || dict === '' || key === '')
    throw new UsageError('expected DICT:KEY (or DICT KEY)');
  if (!withValue && rest.length > 0) throw new UsageError('expected DICT:KEY and nothing after it');
  return withValue ? [dict, key, rest] : [dict, key];
}

async function writeVerb(p: Parsed, args: string[], how: 'replace' | 'over'): Promise<Outcome> {
  const [dict, key, words] = dictKey(args, true);
  const data = valueFrom(p, words, how === 'over');
  return withDevice(p, async (d) => {
    const basis = await putValue(d, dict, key, data, how, value(p, 'in'));
    return done(`wrote ${data.length} bytes to ${dict}:${key} in ${basis}`, { basis, len: data.length });
  });
}

/**
 * Write `data` at the start of DICT:KEY (created with its dict if absent); 'replace' then cuts any longer tail.
 * Batched: the whole change commits in the run's final sync, all or nothing, so a write that fails (no room)
 * leaves the key as it was instead of a durable prefix of the new value.
 */
async function putValue(
  d: Device,
  dict: string,
  key: string,
  data: Uint8Array,
  how: 'replace' | 'over',
  basis?: string,
): Promise<string> {
  const handle = await d.pddb.get(dict, key, { basis, createDict: true, createKey: true, batched: true });
  if (data.length > 0) await handle.write(data);
  if (how === 'replace') {
    const { len } = await handle.attributes();
    if (len > data.length) await handle.truncate(data.length);
  }
  await handle.close();
  return handle.basis;
}

function valueFrom(p: Parsed, words: string[], emptyAllowed: boolean): Uint8Array {
  const file = value(p, 'file');
  const sources = [words.length > 0, file !== undefined, flag(p, 'stdin')].filter(Boolean).length;
  if (sources > 1) throw new UsageError('give the value one way: words after DICT:KEY, --file PATH, or --stdin');
  if (words.length > 0) return new TextEncoder().encode(words.join(' '));
  if (file !== undefined || flag(p, 'stdin'))
    return new Uint8Array(file === undefined ? io.stdin() : readFileSync(file));
  if (emptyAllowed) return new Uint8Array(0);
  throw new UsageError('no value: give it after DICT:KEY, with --file PATH, or with --stdin');
}

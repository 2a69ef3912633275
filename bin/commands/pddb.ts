// `pvault pddb <verb>`: the original's shell commands for the PDDB (pddb basislist, query, write, ...), offline on a
// device folder. Every run boots the device, does one thing, syncs and powers off.
import { readFileSync, writeFileSync } from 'node:fs';
import { flag, parseArgs, value, UsageError, type Parsed } from '../args.ts';
import { makeOut } from '../output.ts';
import { basisFlags, commonFlags, passwordFor, withDevice } from '../session.ts';
import type { Pddb } from '../../pddb/client.ts';

export const PDDB_HELP = `usage: pvault pddb <verb> [args] [options]

verbs (as the original's shell):
  basislist                   open bases, oldest first (.System, then each --basis)
  basiscreate NAME            create a secret basis (password: see below); it stays locked
  basisunlock NAME            check that the password opens NAME (each run starts with only .System open)
  basislock NAME              lock NAME (unlocked with --basis) after syncing it
  basisdelete NAME            delete NAME and every page it holds (needs its password)
  dictlist                    dicts of the open bases (union), or of --in BASIS
  keylist DICT                keys of DICT (union), or of --in BASIS
  query DICT KEY              print a value (raw bytes; --hex; --out FILE; --json)
  write DICT KEY [VALUE]      create DICT/KEY with a value (fails if the key exists)
  writeover DICT KEY [VALUE]  replace the value of DICT/KEY (created if absent)
  keydelete DICT KEY          delete a key (latest basis, or --in BASIS)
  dictdelete DICT             delete a dict and its keys (latest basis, or --in BASIS)
  churn                       re-encrypt every page of the open bases, refresh the noise in free space
  rebuildspace                rebuild the free-space cache from every open basis (present ALL bases first)
  flush | sync                sync the open bases
  status                      image size, free space, flash wear

DICT KEY may also be written DICT:KEY. VALUE comes from the argument, --file PATH, or --stdin.

options:
  --dir DIR                   device folder (default ./.pvault)
  --basis NAME                unlock NAME before the verb (repeat; the last one ends on top)
  --in NAME                   act on basis NAME only instead of the stack rules
  --password NAME=ENVVAR      NAME's password from environment variable ENVVAR (repeat)
  --password-stdin            passwords from stdin, one line per basis, in the order they are needed
  --json                      machine-readable output
  --trace                     print the IPC sequence diagram of the run on stderr
secrets: the boot PIN from PVAULT_PIN; a single basis password may come from PVAULT_PASSWORD.
`;

const specs = {
  ...commonFlags,
  ...basisFlags,
  in: { value: true },
  file: { value: true },
  stdin: {},
  hex: {},
  out: { value: true },
} as const;

export async function pddbCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, specs);
  const [verb, ...rest] = p.positionals;
  if (flag(p, 'help') || verb === undefined) {
    process.stdout.write(PDDB_HELP);
    return;
  }
  const out = makeOut(flag(p, 'json'));
  const inBasis = value(p, 'in');
  const done = (what: string, extra: Record<string, unknown> = {}) => out.result({ ok: true, ...extra }, () => out.info(what));

  switch (verb) {
    case 'basislist':
      return withDevice(p, async (d) => {
        const names = await d.pddb.listBasis();
        out.result(names, () => names.forEach((n) => out.info(n)));
      });
    case 'basiscreate': {
      const name = one(rest, 'NAME');
      const pw = await passwordFor(p, name);
      return withDevice(p, async (d) => {
        await d.pddb.createBasis(name, pw);
        done(`created basis ${name}`);
      });
    }
    case 'basisunlock': {
      const name = one(rest, 'NAME');
      const pw = await passwordFor(p, name);
      return withDevice(p, async (d) => {
        await d.pddb.unlockBasis(name, pw);
        done(`basis ${name} unlocks`);
      });
    }
    case 'basislock': {
      const name = one(rest, 'NAME');
      return withDevice(p, async (d) => {
        await d.pddb.lockBasis(name);
        done(`locked basis ${name}`);
      });
    }
    case 'basisdelete': {
      const name = one(rest, 'NAME');
      return withDevice(p, async (d) => {
        if (!(await d.pddb.listBasis()).includes(name)) await d.pddb.unlockBasis(name, await passwordFor(p, name));
        await d.pddb.deleteBasis(name);
        done(`deleted basis ${name}`);
      });
    }
    case 'dictlist':
      return withDevice(p, async (d) => {
        const names = await d.pddb.listDicts(inBasis);
        out.result(names, () => names.forEach((n) => out.info(n)));
      });
    case 'keylist': {
      const dict = one(rest, 'DICT');
      return withDevice(p, async (d) => {
        const names = await d.pddb.listKeys(dict, inBasis);
        out.result(names, () => names.forEach((n) => out.info(n)));
      });
    }
    case 'query': {
      const [dict, key] = dictKey(rest);
      return withDevice(p, async (d) => {
        const handle = await d.pddb.get(dict, key, { basis: inBasis });
        const bytes = await handle.readAll();
        const target = value(p, 'out');
        if (target) writeFileSync(target, bytes);
        out.result({ dict, key, basis: handle.basis, len: bytes.length, base64: Buffer.from(bytes).toString('base64') }, () => {
          if (target) return;
          if (flag(p, 'hex')) out.info(Buffer.from(bytes).toString('hex'));
          else process.stdout.write(bytes);
        });
      });
    }
    case 'write':
    case 'writeover': {
      const [dict, key, literal] = dictKey(rest, true);
      const data = valueOf(p, literal);
      return withDevice(p, async (d) => {
        const basis = await writeValue(d.pddb, dict, key, data, verb === 'writeover', inBasis);
        done(`wrote ${data.length} bytes to ${dict}:${key} in ${basis}`, { basis, len: data.length });
      });
    }
    case 'keydelete': {
      const [dict, key] = dictKey(rest);
      return withDevice(p, async (d) => {
        await d.pddb.deleteKey(dict, key, inBasis);
        done(`deleted ${dict}:${key}`);
      });
    }
    case 'dictdelete': {
      const dict = one(rest, 'DICT');
      return withDevice(p, async (d) => {
        await d.pddb.deleteDict(dict, inBasis);
        done(`deleted dict ${dict}`);
      });
    }
    case 'churn':
      return withDevice(p, async (d) => {
        await d.pddb.churn();
        done('churned');
      });
    case 'rebuildspace':
      return withDevice(p, async (d) => {
        const free = await d.pddb.rebuildSpace();
        done(`free-space cache rebuilt: ${free} pages`, { freeSpace: free });
      });
    case 'flush':
    case 'sync':
      return withDevice(p, async (d) => {
        await d.pddb.sync();
        done('synced');
      });
    case 'status':
      return withDevice(p, async (d) => {
        const s = await d.pddb.status();
        out.result(s, () => {
          out.info(`image: ${s.size} bytes, ${s.dataPages} data pages`);
          out.info(`free-space cache: ${s.freeSpace} pages`);
          out.info(`flash this run: ${s.erases} erases, ${s.programs} programs`);
        });
      });
    default:
      throw new UsageError(`unknown pddb verb '${verb}' (see pvault pddb --help)`);
  }
}

async function writeValue(pddb: Pddb, dict: string, key: string, data: Uint8Array, over: boolean, basis?: string): Promise<string> {
  if (!over) {
    const exists = await pddb.get(dict, key, { basis }).then(
      () => true,
      () => false,
    );
    if (exists) throw new UsageError(`${dict}:${key} exists: use writeover to replace it`);
  }
  const handle = await pddb.get(dict, key, { basis, createDict: true, createKey: true });
  await handle.write(data);
  const { len } = await handle.attributes();
  if (len > data.length) await handle.truncate(data.length);
  await handle.close();
  return handle.basis;
}

function one(rest: string[], what: string): string {
  if (rest.length !== 1) throw new UsageError(`expected ${what}`);
  return rest[0];
}

/** DICT KEY, or DICT:KEY, optionally followed by a literal value. */
function dictKey(rest: string[], allowValue = false): [string, string, string | undefined] {
  let args = rest;
  if (args.length >= 1 && args[0].includes(':') && (args.length === 1 || (allowValue && args.length === 2))) {
    const at = args[0].indexOf(':');
    args = [args[0].slice(0, at), args[0].slice(at + 1), ...args.slice(1)];
  }
  const max = allowValue ? 3 : 2;
  if (args.length < 2 || args.length > max) throw new UsageError(allowValue ? 'expected DICT KEY [VALUE]' : 'expected DICT KEY');
  return [args[0], args[1], args[2]];
}

function valueOf(p: Parsed, literal: string | undefined): Uint8Array {
  const file = value(p, 'file');
  const sources = [literal !== undefined, file !== undefined, flag(p, 'stdin')].filter(Boolean).length;
  if (sources !== 1) throw new UsageError('give the value exactly one way: an argument, --file PATH, or --stdin');
  if (literal !== undefined) return new TextEncoder().encode(literal);
  return new Uint8Array(readFileSync(file ?? 0));
}

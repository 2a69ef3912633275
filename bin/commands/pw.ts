// `pvault pw <verb>`: password entries through the vault.passwords server. The entry's password never comes from
// argv: PVAULT_ENTRY_PASSWORD, --entry-stdin (one line), a prompt, or the generator (--generate / --passphrase).
import { flag, parseArgs, value, UsageError, type FlagSpec, type Parsed } from '../args.ts';
import { done, emit, io, type Outcome } from '../output.ts';
import { basisFlags, commonFlags, noteOutputMode } from '../session.ts';
import { CryptoRandom } from '../../lib/random.ts';
import { generatePassphrase, generatePassword, type GeneratorOptions } from '../../vault/passwords/generator.ts';
import type { PasswordSummary } from '../../vault/passwords/client.ts';
import { atMost, exactly, secretInput, whole, withVault } from './totp.ts';

export const PW_HELP = `usage: pvault pw <verb> [options]        (--dir DIR, --basis NAME, --json as for every command)

  add DESCRIPTION [--username U] [--notes T] [--generate GEN... | --passphrase [--words N]]
                              the password from PVAULT_ENTRY_PASSWORD, --entry-stdin, a prompt, or the generator
  get DESCRIPTION [--username U] [--reveal]     the entry; its password only with --reveal
  list [FILTER]               entries (no passwords) with basis and usage stats; FILTER matches description,
                              username or notes
  edit DESCRIPTION [--username U] [--new-description D] [--new-username U] [--notes T]
       [--new-password | --generate GEN... | --passphrase]   delete + re-create in its basis, as the original
                              (ctime restarts, atime and count carry over, the key follows description|username)
  delete DESCRIPTION [--username U]
  gen [GEN...] [--passphrase [--words N] [--separator S]] [--count N]   print generated passwords (no device)

GEN (the original's generator; default 20 characters, every class, look-alikes excluded, one of each class):
  --length N (1..128)  --no-numbers  --no-lower  --no-upper  --no-symbols  --allow-similar
With several entries of one description, name the username. --basis NAME (repeatable) unlocks bases first; the
last named receives new entries.
`;

const genFlags = {
  generate: {},
  length: { value: true },
  'no-numbers': {},
  'no-lower': {},
  'no-upper': {},
  'no-symbols': {},
  'allow-similar': {},
  passphrase: {},
  words: { value: true },
  separator: { value: true },
  count: { value: true },
} as const satisfies Record<string, FlagSpec>;

const pwFlags = {
  ...commonFlags,
  ...basisFlags,
  ...genFlags,
  username: { value: true },
  notes: { value: true },
  reveal: {},
  'entry-stdin': {},
  'new-description': { value: true },
  'new-username': { value: true },
  'new-password': {},
} as const satisfies Record<string, FlagSpec>;

const random = new CryptoRandom();

export async function pwCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, pwFlags);
  noteOutputMode(p);
  const [verb, ...args] = p.positionals;
  if (flag(p, 'help') || verb === undefined) return void io.out(PW_HELP);
  const which = () => ({ description: exactly(args, 1, 'DESCRIPTION')[0], username: value(p, 'username') });
  switch (verb) {
    case 'add': {
      const { description } = which();
      const generated = generated1(p);
      const secret = generated ?? (await entryPassword(p));
      const entry = {
        description,
        username: value(p, 'username') ?? '',
        password: secret,
        notes: value(p, 'notes') ?? '',
      };
      return emit(
        await withVault(p, async (apps) => {
          const e = await apps.passwords.add(entry);
          return done(
            `added '${description}'${entry.username ? ` (${entry.username})` : ''} in ${e.basis}${generated ? ' with a generated password' : ''}`,
            {
              description,
              username: entry.username,
              basis: e.basis,
              key: e.key,
            },
          );
        }),
      );
    }
    case 'get': {
      const w = which();
      return emit(
        await withVault(p, async (apps) => {
          const { key, basis, record: r } = await apps.passwords.get(w);
          const shown = {
            description: r.description,
            username: r.username,
            notes: r.notes,
            ctime: r.ctime,
            atime: r.atime,
            count: r.count,
          };
          const json = { ok: true, key, basis, ...shown, ...(flag(p, 'reveal') ? { password: r.password } : {}) };
          const lines = Object.entries({ ...shown, basis }).map(([k, v]) => `${k}: ${v}`);
          if (flag(p, 'reveal')) lines.push(`password: ${r.password}`);
          return { json, text: lines.join('\n') };
        }),
      );
    }
    case 'list': {
      const filter = atMost(args, 1, '[FILTER]')[0];
      return emit(await withVault(p, async (apps) => listing((await apps.passwords.list(filter)).entries)));
    }
    case 'edit': {
      const w = which();
      const generated = generated1(p);
      const replacement = generated ?? (flag(p, 'new-password') ? await entryPassword(p) : undefined);
      return emit(
        await withVault(p, async (apps) => {
          const old = (await apps.passwords.get(w)).record;
          const next = {
            description: value(p, 'new-description') ?? old.description,
            username: value(p, 'new-username') ?? old.username,
            password: replacement ?? old.password,
            notes: value(p, 'notes') ?? old.notes,
            extra: old.extra,
          };
          const e = await apps.passwords.edit({ description: old.description, username: old.username }, next);
          return done(`edited '${next.description}' in ${e.basis}`, {
            description: next.description,
            username: next.username,
            basis: e.basis,
            key: e.key,
          });
        }),
      );
    }
    case 'delete': {
      const w = which();
      return emit(
        await withVault(p, async (apps) => (await apps.passwords.delete(w), done(`deleted '${w.description}'`))),
      );
    }
    case 'gen': {
      exactly(args, 0, '');
      const n = value(p, 'count') === undefined ? 1 : whole(value(p, 'count')!, '--count');
      if (n < 1 || n > 1000) throw new UsageError('--count is 1 to 1000');
      const out = Array.from({ length: n }, () => generated1(p, true)!);
      return emit({ json: { ok: true, passwords: out }, text: out.join('\n') });
    }
    default:
      throw new UsageError(`unknown pw verb '${verb.slice(0, 20)}' (add, get, list, edit, delete, gen)`);
  }
}

/** A generated password when asked for (--generate / --passphrase, or always for `gen`). */
function generated1(p: Parsed, always = false): string | undefined {
  if (flag(p, 'passphrase')) {
    const words = value(p, 'words') === undefined ? 6 : whole(value(p, 'words')!, '--words');
    return generatePassphrase(random, words, value(p, 'separator') ?? '-');
  }
  if (!always && !flag(p, 'generate')) {
    if (value(p, 'length') !== undefined) throw new UsageError('--length goes with --generate');
    return undefined;
  }
  const opts: GeneratorOptions = {
    length: value(p, 'length') === undefined ? undefined : whole(value(p, 'length')!, '--length'),
    numbers: !flag(p, 'no-numbers'),
    lowercase: !flag(p, 'no-lower'),
    uppercase: !flag(p, 'no-upper'),
    symbols: !flag(p, 'no-symbols'),
    excludeSimilar: !flag(p, 'allow-similar'),
  };
  return generatePassword(random, opts);
}

function entryPassword(p: Parsed): Promise<string> {
  return secretInput(p, { env: 'PVAULT_ENTRY_PASSWORD', stdinFlag: 'entry-stdin', what: 'entry password' });
}

function listing(entries: PasswordSummary[]): Outcome {
  const when = (t: number) => (t === 0 ? 'never' : new Date(t * 1000).toISOString().replace(/\.\d+Z$/, 'Z'));
  const rows = entries.map(
    (e) => `${e.description}\t${e.username || '-'}\tused ${e.count}x, last ${when(e.atime)}\t${e.basis}`,
  );
  return { json: entries, text: rows.join('\n') };
}

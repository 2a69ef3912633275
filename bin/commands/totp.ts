// `pvault totp <verb>`: TOTP/HOTP entries through the vault.totp server, offline on the device folder. The secret
// never comes from argv: PVAULT_TOTP_SECRET, --secret-stdin (one line), or a prompt without echo.
import password from '@inquirer/password';
import { flag, parseArgs, value, UsageError, type FlagSpec, type Parsed } from '../args.ts';
import { done, emit, io, type Outcome } from '../output.ts';
import { basisFlags, commonFlags, folderOf, noteOutputMode, withDevice } from '../session.ts';
import { vaultApps, type VaultApps } from '../../vault/apps.ts';
import type { Device } from '../../vault/device/device.ts';
import { DeviceClock } from '../../vault/clock.ts';
import { normalizeSecret, secretWarning } from '../../vault/totp/secret.ts';
import { secretFromMnemonic } from '../../vault/totp/bip39-secret.ts';
import type { NewTotp, TotpSummary } from '../../vault/totp/client.ts';

export const TOTP_HELP = `usage: pvault totp <verb> [options]      (--dir DIR, --basis NAME, --json as for every command)

  add NAME [--issuer I] [--algorithm SHA1|SHA256|SHA512] [--digits 6|7|8] [--period S] [--hotp [--counter N]]
           [--notes T] [--bip39]     secret (base32; with --bip39 a BIP-39 mnemonic) from PVAULT_TOTP_SECRET,
                                     --secret-stdin, or a prompt; never argv
  list [FILTER]                      entries (no secrets) with their basis; FILTER matches name, issuer, notes
  code NAME [--at UNIX_SECONDS]      the code alone on stdout (--json adds remaining seconds, period, basis);
                                     HOTP: the counter is advanced and synced before the code is shown
  edit NAME [--name N] [--issuer I] [--notes T] [--algorithm A] [--digits D] [--period S] [--new-secret]
                                     delete + re-create in its basis, as the original (ctime restarts)
  delete NAME
  clock [--set UNIX_SECONDS | --offset SECONDS]   the device clock (host time + an offset kept in the folder)

With --basis NAME (repeatable) the bases are unlocked first and the last one named receives new entries.
`;

const totpFlags = {
  ...commonFlags,
  ...basisFlags,
  issuer: { value: true },
  algorithm: { value: true },
  digits: { value: true },
  period: { value: true },
  hotp: {},
  counter: { value: true },
  notes: { value: true },
  bip39: {},
  'secret-stdin': {},
  at: { value: true },
  name: { value: true },
  'new-secret': {},
  set: { value: true },
  offset: { value: true },
} as const satisfies Record<string, FlagSpec>;

export async function totpCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, totpFlags);
  noteOutputMode(p);
  const [verb, ...args] = p.positionals;
  if (flag(p, 'help') || verb === undefined) return void io.out(TOTP_HELP);
  switch (verb) {
    case 'add': {
      const [name] = exactly(args, 1, 'NAME');
      const entry: NewTotp = { ...paramsOf(p, {}), name, secret: await totpSecret(p) };
      const warning = secretWarning(entry.secret);
      return emit(
        await withVault(p, async (apps) => {
          const e = await apps.totp.add(entry);
          return done(
            `added ${e.record.hotp ? 'HOTP' : 'TOTP'} entry '${name}' in ${e.basis}${warning ? ` (warning: ${warning})` : ''}`,
            {
              name,
              basis: e.basis,
              key: e.key,
              ...(warning ? { warning } : {}),
            },
          );
        }),
      );
    }
    case 'list': {
      const filter = atMost(args, 1, '[FILTER]')[0];
      return emit(await withVault(p, async (apps) => listing((await apps.totp.list(filter)).entries)));
    }
    case 'code': {
      const [name] = exactly(args, 1, 'NAME');
      const at = value(p, 'at') === undefined ? undefined : whole(value(p, 'at')!, '--at');
      return emit(
        await withVault(p, async (apps) => {
          const c = await apps.totp.code(name, { at });
          return { json: { ok: true, name, ...c }, text: c.code };
        }),
      );
    }
    case 'edit': {
      const [name] = exactly(args, 1, 'NAME');
      const secret = flag(p, 'new-secret') ? await totpSecret(p) : undefined;
      return emit(
        await withVault(p, async (apps) => {
          const old = (await apps.totp.get(name)).record;
          const next: NewTotp = {
            ...old,
            ...paramsOf(p, old),
            name: value(p, 'name') ?? old.name,
            secret: secret ?? old.secret,
          };
          const e = await apps.totp.edit(name, next);
          return done(`edited '${name}'${next.name !== name ? ` (now '${next.name}')` : ''} in ${e.basis}`, {
            name: next.name,
            basis: e.basis,
            key: e.key,
          });
        }),
      );
    }
    case 'delete': {
      const [name] = exactly(args, 1, 'NAME');
      return emit(await withVault(p, async (apps) => (await apps.totp.delete(name), done(`deleted '${name}'`))));
    }
    case 'clock':
      exactly(args, 0, '');
      return emit(clockVerb(p));
    default:
      throw new UsageError(`unknown totp verb '${verb.slice(0, 20)}' (add, list, code, edit, delete, clock)`);
  }
}

/** Boot the device (bases unlocked), connect the vault apps, run, power off. */
export function withVault<T>(p: Parsed, body: (apps: VaultApps, device: Device) => Promise<T>): Promise<T> {
  return withDevice(p, async (d) => body(await vaultApps(d.kernel, d.shell, d.folder.dir), d));
}

/** A secret that must never be on argv: `env`, one line of stdin with `--<stdinFlag>`, or a prompt. */
export async function secretInput(p: Parsed, o: { env: string; stdinFlag: string; what: string }): Promise<string> {
  if (flag(p, o.stdinFlag)) {
    if (flag(p, 'password-stdin'))
      throw new UsageError(`--${o.stdinFlag} and --password-stdin both read stdin: give basis passwords another way`);
    const line = io.stdin().toString('utf8').split(/\r?\n/)[0] ?? '';
    if (line === '') throw new UsageError(`--${o.stdinFlag}: stdin holds no ${o.what}`);
    return line;
  }
  const env = process.env[o.env];
  if (env !== undefined && env !== '') return env;
  if (io.interactive()) return password({ message: `${o.what}:`, mask: false }, { output: process.stderr });
  throw new UsageError(`no ${o.what}: set ${o.env}, use --${o.stdinFlag}, or run on a terminal to be prompted`);
}

async function totpSecret(p: Parsed): Promise<string> {
  const text = await secretInput(p, { env: 'PVAULT_TOTP_SECRET', stdinFlag: 'secret-stdin', what: 'TOTP secret' });
  return flag(p, 'bip39') ? secretFromMnemonic(text) : normalizeSecret(text);
}

function paramsOf(p: Parsed, old: Partial<NewTotp>): Omit<NewTotp, 'name' | 'secret'> {
  const hotp = flag(p, 'hotp') || (old.hotp ?? false);
  if (value(p, 'counter') !== undefined && !hotp) throw new UsageError('--counter is for HOTP entries (--hotp)');
  if (value(p, 'period') !== undefined && hotp) throw new UsageError('--period is for TOTP entries');
  const step = hotp ? value(p, 'counter') : value(p, 'period');
  return {
    issuer: value(p, 'issuer') ?? old.issuer ?? '',
    algorithm: (value(p, 'algorithm')?.toUpperCase() ?? old.algorithm ?? 'SHA1') as NewTotp['algorithm'],
    digits: value(p, 'digits') !== undefined ? whole(value(p, 'digits')!, '--digits') : (old.digits ?? 6),
    timestep: step !== undefined ? whole(step, hotp ? '--counter' : '--period') : (old.timestep ?? (hotp ? 0 : 30)),
    hotp,
    notes: value(p, 'notes') ?? old.notes ?? '',
  };
}

function listing(entries: TotpSummary[]): Outcome {
  const rows = entries.map((e) => {
    const kind = e.hotp
      ? `HOTP ${e.algorithm}/${e.digits} counter ${e.timestep}`
      : `TOTP ${e.algorithm}/${e.digits}/${e.timestep}s`;
    return `${e.name}\t${e.issuer || '-'}\t${kind}\t${e.basis}`;
  });
  return { json: entries, text: rows.join('\n') };
}

function clockVerb(p: Parsed): Outcome {
  const clock = new DeviceClock({ dir: folderOf(p).dir });
  if (value(p, 'set') !== undefined) clock.set(whole(value(p, 'set')!, '--set'));
  else if (value(p, 'offset') !== undefined) {
    const o = value(p, 'offset')!;
    if (!/^-?[0-9]{1,15}$/.test(o)) throw new UsageError('--offset takes whole seconds');
    clock.setOffset(Number(o));
  }
  return {
    json: { ok: true, now: clock.now(), offset: clock.offsetSeconds },
    text: `device time ${clock.now()} (offset ${clock.offsetSeconds} s)`,
  };
}

export function whole(v: string, what: string): number {
  if (!/^[0-9]{1,15}$/.test(v)) throw new UsageError(`${what} takes a whole number`);
  return Number(v);
}

export function exactly(args: string[], n: number, usage: string): string[] {
  if (args.length !== n) throw new UsageError(n === 0 ? 'this verb takes no arguments' : `expected ${usage}`);
  return args;
}

export function atMost(args: string[], n: number, usage: string): string[] {
  if (args.length > n) throw new UsageError(`expected at most ${usage}`);
  return args;
}

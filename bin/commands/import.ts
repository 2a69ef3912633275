// `pvault import FILE|-`: TOTP and password entries from other apps' files, all or nothing. Every entry is read and
// checked first; with any entry refused, nothing is stored unless --skip-invalid. Entries whose name exists are
// skipped as duplicates (the original's restore rule). The rest go in one batch per kind, each one sync; a failure
// of the second batch removes what the first added.
import { readFileSync, statSync } from 'node:fs';
import { flag, parseArgs, value, UsageError, type FlagSpec } from '../args.ts';
import { emit, io, type Outcome } from '../output.ts';
import { basisFlags, commonFlags, noteOutputMode } from '../session.ts';
import {
  IMPORT_FILE_MAX,
  IMPORT_FORMATS,
  parseImport,
  type ImportFormat,
  type ParsedImport,
} from '../../vault/transfer/import.ts';
import { VaultError } from '../../vault/records/errors.ts';
import type { VaultApps } from '../../vault/apps.ts';
import { exactly, withVault } from './totp.ts';

export const IMPORT_HELP = `usage: pvault import FILE|- [--format ${IMPORT_FORMATS.join('|')}] [--skip-invalid]

Formats: otpauth (otpauth:// URIs, one per line), ga-migration (Google Authenticator otpauth-migration:// URIs, one
batch per line), aegis (Aegis JSON, plain or encrypted: password from PVAULT_IMPORT_PASSWORD), bitwarden
(unencrypted Bitwarden JSON: logins and their TOTP), keepassxc-csv (KeePassXC CSV export), vault-backup (the
original's backup DataPacket, CBOR or JSON), csv (site,username,password,notes). auto (default) detects them.
Prints what was added, skipped as a duplicate, or refused and why. Entries go to the latest basis (--basis NAME).
`;

const flags = { ...commonFlags, ...basisFlags, format: { value: true }, 'skip-invalid': {} } as const satisfies Record<
  string,
  FlagSpec
>;

export async function importCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, flags);
  noteOutputMode(p);
  if (flag(p, 'help') || p.positionals.length === 0) return void io.out(IMPORT_HELP);
  const [file] = exactly(p.positionals, 1, 'FILE');
  const format = (value(p, 'format') ?? 'auto') as ImportFormat;
  if (!IMPORT_FORMATS.includes(format)) throw new UsageError(`--format is one of ${IMPORT_FORMATS.join(', ')}`);
  if (file !== '-' && statSync(file).size > IMPORT_FILE_MAX)
    throw new VaultError('TooLarge', `import files are limited to ${IMPORT_FILE_MAX / 1024 / 1024} MiB`);
  const bytes = new Uint8Array(file === '-' ? io.stdin() : readFileSync(file));
  const parsed = parseImport(bytes, { format, password: process.env.PVAULT_IMPORT_PASSWORD });
  if (parsed.refused.length > 0 && !flag(p, 'skip-invalid')) {
    throw new VaultError(
      'InvalidInput',
      `${parsed.refused.length} entr${parsed.refused.length === 1 ? 'y' : 'ies'} refused, nothing imported (--skip-invalid imports the rest): ${describeRefused(parsed)}`,
    );
  }
  return emit(await withVault(p, async (apps) => report(parsed, await store(apps, parsed))));
}

async function store(apps: VaultApps, parsed: ParsedImport) {
  const totp =
    parsed.totp.length > 0
      ? await apps.totp.import(parsed.totp)
      : { added: 0, duplicates: [] as number[], basis: undefined };
  try {
    const passwords =
      parsed.passwords.length > 0
        ? await apps.passwords.import(parsed.passwords)
        : { added: 0, duplicates: [] as number[], basis: undefined };
    return { totp, passwords };
  } catch (e) {
    // All or nothing across the two kinds: take back the TOTP entries this import added.
    const dup = new Set(totp.duplicates);
    for (const [i, t] of parsed.totp.entries())
      if (!dup.has(i)) await apps.totp.delete(t.name, totp.basis).catch(() => undefined);
    throw e;
  }
}

function report(
  parsed: ParsedImport,
  r: {
    totp: { added: number; duplicates: number[]; basis?: string };
    passwords: { added: number; duplicates: number[]; basis?: string };
  },
): Outcome {
  const duplicates = [
    ...r.totp.duplicates.map((i) => ({ kind: 'totp', name: parsed.totp[i].name })),
    ...r.passwords.duplicates.map((i) => ({
      kind: 'password',
      name: `${parsed.passwords[i].description}${parsed.passwords[i].username ? ` (${parsed.passwords[i].username})` : ''}`,
    })),
  ];
  const json = {
    ok: true,
    format: parsed.format,
    added: { totp: r.totp.added, passwords: r.passwords.added },
    basis: r.totp.basis ?? r.passwords.basis,
    duplicates,
    refused: parsed.refused,
  };
  const lines = [
    `${parsed.format}: added ${r.totp.added} TOTP/HOTP and ${r.passwords.added} password entries${json.basis ? ` to ${json.basis}` : ''}`,
    ...duplicates.map((d) => `duplicate (skipped): ${d.kind} ${d.name}`),
    ...parsed.refused.map((x) => `refused: ${x.where}: ${x.reason}`),
  ];
  return { json, text: lines.join('\n') };
}

function describeRefused(parsed: ParsedImport): string {
  const shown = parsed.refused.slice(0, 10).map((r) => `${r.where}: ${r.reason}`);
  return shown.join('; ') + (parsed.refused.length > 10 ? '; ...' : '');
}

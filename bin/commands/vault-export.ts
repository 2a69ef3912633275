// `pvault export otpauth|qr|aegis|csv`: the vault's entries for other apps. Exports hold secrets in the clear:
// files are created 0600 and never overwrite an existing file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { flag, parseArgs, value, type FlagSpec } from '../args.ts';
import { done, emit, io } from '../output.ts';
import { basisFlags, commonFlags, noteOutputMode } from '../session.ts';
import { CryptoRandom } from '../../lib/random.ts';
import { formatOtpauth } from '../../vault/transfer/otpauth.ts';
import { exportAegis } from '../../vault/transfer/aegis.ts';
import { exportPasswordsCsv } from '../../vault/transfer/csv.ts';
import { qrPng, qrTerminal } from '../../vault/transfer/qr.ts';
import type { VaultApps } from '../../vault/apps.ts';
import type { TotpRecord } from '../../vault/totp/record.ts';
import { atMost, withVault } from './totp.ts';

export const VAULT_EXPORTS = ['otpauth', 'qr', 'aegis', 'csv'] as const;

export const VAULT_EXPORT_HELP = `usage: pvault export otpauth|qr|aegis|csv [FILTER] [--out PATH] [--basis B ...]

  otpauth   TOTP/HOTP entries as otpauth:// URIs, one per line (lossless: pvault import reads them back)
  qr        the same URIs as QR codes: on the terminal, or with --out DIR one PNG per entry in DIR
  aegis     TOTP/HOTP entries as a plain (unencrypted) Aegis vault JSON
  csv       password entries as site,username,password,notes; cells that a spreadsheet would run as a formula
            (starting with = + - @ tab CR) get a leading '
FILTER selects entries as \`totp list\` / \`pw list\` do. Without --out the export goes to stdout. These files hold
your secrets in the clear: they are written 0600 and never replace an existing file.
`;

const flags = { ...commonFlags, ...basisFlags, out: { value: true } } as const satisfies Record<string, FlagSpec>;

/** True when argv asks for one of these exports (export.ts hands them over before parsing its own flags). */
export function isVaultExport(argv: string[]): boolean {
  try {
    const what = parseArgs(argv, flags).positionals[0];
    return (VAULT_EXPORTS as readonly string[]).includes(what);
  } catch {
    return false;
  }
}

export async function vaultExportCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, flags);
  noteOutputMode(p);
  const [what, ...args] = p.positionals;
  if (flag(p, 'help')) return void io.out(VAULT_EXPORT_HELP);
  const filter = atMost(args, 1, '[FILTER]')[0];
  const out = value(p, 'out');
  if (what === 'csv') {
    const csv = await withVault(p, async (apps) => {
      const { entries } = await apps.passwords.list(filter);
      const full = [];
      for (const e of entries)
        full.push(
          (await apps.passwords.get({ description: e.description, username: e.username, basis: e.basis })).record,
        );
      return { text: exportPasswordsCsv(full), count: full.length };
    });
    return emit(write(out, csv.text, `${csv.count} password entries`));
  }
  const records = await withVault(p, (apps) => totpRecords(apps, filter));
  if (what === 'otpauth')
    return emit(
      write(
        out,
        records.map((r) => formatOtpauth(r)).join('\n') + (records.length ? '\n' : ''),
        `${records.length} TOTP/HOTP entries`,
      ),
    );
  if (what === 'aegis')
    return emit(write(out, exportAegis(records, new CryptoRandom()) + '\n', `${records.length} TOTP/HOTP entries`));
  // qr
  if (out === undefined) {
    let text = '';
    for (const r of records) text += `${r.name}\n${await qrTerminal(formatOtpauth(r))}\n`;
    return emit({ json: { ok: true, count: records.length }, text: text.trimEnd() });
  }
  mkdirSync(out, { recursive: true, mode: 0o700 });
  const files: string[] = [];
  for (const [i, r] of records.entries()) {
    const file = join(
      out,
      `${String(i + 1).padStart(3, '0')}-${r.name.replace(/[^A-Za-z0-9._@-]+/g, '_').slice(0, 60)}.png`,
    );
    writeFileSync(file, await qrPng(formatOtpauth(r)), { mode: 0o600, flag: 'wx' });
    files.push(file);
  }
  return emit(done(`wrote ${files.length} QR code PNG file(s) to ${out}`, { files }));
}

async function totpRecords(apps: VaultApps, filter: string | undefined): Promise<TotpRecord[]> {
  const { entries } = await apps.totp.list(filter);
  const out: TotpRecord[] = [];
  for (const e of entries) out.push((await apps.totp.get(e.name, e.basis)).record);
  return out;
}

function write(out: string | undefined, text: string, what: string) {
  if (out === undefined) return { json: { ok: true, data: text }, text: text.replace(/\n$/, '') };
  writeFileSync(out, text, { mode: 0o600, flag: 'wx' });
  return done(`wrote ${what} to ${out}`, { file: out });
}

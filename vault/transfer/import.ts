// Reading an import file into a batch: the format named or detected, size bounded, every entry checked. Nothing is
// stored here: the CLI hands the batch to the servers, which store it all or nothing.
import { VaultError } from '../records/errors.ts';
import { emptyBatch, parseJson, type ImportBatch } from './batch.ts';
import { parseOtpauth } from './otpauth.ts';
import { collect } from './batch.ts';
import { importMigration } from './ga-migration.ts';
import { importAegis, isAegis } from './aegis.ts';
import { importBitwarden, isBitwarden } from './bitwarden.ts';
import { importKeepassxcCsv, importSimpleCsv, isKeepassxcCsv } from './csv.ts';
import { decodeBackupCbor, importVaultBackup, isVaultBackup } from './vault-backup.ts';

export const IMPORT_FORMATS = [
  'auto',
  'otpauth',
  'ga-migration',
  'aegis',
  'bitwarden',
  'keepassxc-csv',
  'vault-backup',
  'csv',
] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** Bigger files are refused before parsing (50,000 entries of a few hundred bytes fit easily). */
export const IMPORT_FILE_MAX = 32 * 1024 * 1024;

export interface ImportOptions {
  format?: ImportFormat;
  /** An encrypted Aegis vault's password. */
  password?: string;
}

export interface ParsedImport extends ImportBatch {
  format: Exclude<ImportFormat, 'auto'>;
}

export function parseImport(bytes: Uint8Array, opts: ImportOptions = {}): ParsedImport {
  if (bytes.length > IMPORT_FILE_MAX)
    throw new VaultError('TooLarge', `import files are limited to ${IMPORT_FILE_MAX / 1024 / 1024} MiB`);
  const format = opts.format === undefined || opts.format === 'auto' ? detect(bytes) : opts.format;
  const batch = emptyBatch();
  if (format === 'vault-backup' && !looksLikeText(bytes)) {
    importVaultBackup(decodeBackupCbor(bytes), batch);
    return { ...batch, format };
  }
  const text = utf8(bytes);
  switch (format) {
    case 'otpauth':
      lines(text).forEach(([n, line]) => collect(batch, `line ${n}`, () => ({ totp: parseOtpauth(line) })));
      break;
    case 'ga-migration':
      importMigration(text, batch);
      break;
    case 'aegis':
      importAegis(parseJson(text, 'Aegis'), opts.password, batch);
      break;
    case 'bitwarden':
      importBitwarden(parseJson(text, 'Bitwarden'), batch);
      break;
    case 'vault-backup':
      importVaultBackup(parseJson(text, 'vault backup'), batch);
      break;
    case 'keepassxc-csv':
      importKeepassxcCsv(text, batch);
      break;
    case 'csv':
      importSimpleCsv(text, batch);
      break;
  }
  return { ...batch, format };
}

function detect(bytes: Uint8Array): Exclude<ImportFormat, 'auto'> {
  if (!looksLikeText(bytes)) return 'vault-backup';
  const text = utf8(bytes).trimStart();
  if (/^otpauth-migration:/i.test(text)) return 'ga-migration';
  if (/^otpauth:/i.test(text)) return 'otpauth';
  if (text.startsWith('{') || text.startsWith('[')) {
    const doc = parseJson(text, 'import');
    if (isAegis(doc)) return 'aegis';
    if (isBitwarden(doc)) return 'bitwarden';
    if (isVaultBackup(doc)) return 'vault-backup';
    throw new VaultError('BadFormat', 'a JSON file of no known format (Aegis, Bitwarden, vault backup)');
  }
  return isKeepassxcCsv(text) ? 'keepassxc-csv' : 'csv';
}

/** CBOR packets start with a map or array header and hold bytes no text file has. */
function looksLikeText(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 512);
  return !(head.length > 0 && (head[0] & 0xe0) >= 0x80 && head[0] < 0xc0 && head.some((b) => b < 0x09));
}

const strict = new TextDecoder('utf-8', { fatal: true });

function utf8(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    throw new VaultError('BadFormat', 'the file is not UTF-8 text');
  }
}

function lines(text: string): [number, string][] {
  return text
    .split(/\r?\n/)
    .map((l, i) => [i + 1, l.trim()] as [number, string])
    .filter(([, l]) => l !== '' && !l.startsWith('#'));
}

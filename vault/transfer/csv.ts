// CSV files, through csv-parse and csv-stringify: the original's `site,username,password,notes` (header optional),
// KeePassXC's export ("Group","Title","Username","Password","URL","Notes","TOTP",...), and our export of
// passwords, which neutralises spreadsheet formulas (a cell starting with = + - @ tab or CR gets a leading ').
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { VaultError } from '../records/errors.ts';
import type { PasswordRecord } from '../passwords/record.ts';
import { collect, type ImportBatch } from './batch.ts';
import { parseOtpauth } from './otpauth.ts';

const SIMPLE_HEADER = ['site', 'username', 'password', 'notes'];

function rows(text: string): string[][] {
  try {
    return parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][];
  } catch (e) {
    const where = (e as { lines?: number }).lines;
    throw new VaultError('BadFormat', `not valid CSV${where ? ` (near line ${where})` : ''}`);
  }
}

export function isKeepassxcCsv(text: string): boolean {
  const head = rows(text.split(/\r?\n/, 1)[0] ?? '')[0] ?? [];
  return head.includes('Title') && head.includes('Password') && head.includes('Username');
}

export function importSimpleCsv(text: string, batch: ImportBatch): void {
  const all = rows(text);
  const start =
    all.length > 0 && all[0].map((c) => c.trim().toLowerCase()).join(',') === SIMPLE_HEADER.join(',') ? 1 : 0;
  all.slice(start).forEach((row, i) =>
    collect(batch, `row ${i + start + 1}`, () => {
      if (row.length < 3 || row.length > 4)
        throw new VaultError('InvalidInput', `expected site,username,password[,notes], got ${row.length} columns`);
      return { password: { description: row[0], username: row[1], password: row[2], notes: row[3] ?? '' } };
    }),
  );
}

export function importKeepassxcCsv(text: string, batch: ImportBatch): void {
  const [head, ...body] = rows(text);
  const col = (name: string) => head.indexOf(name);
  const [title, user, pass, notes, totp] = ['Title', 'Username', 'Password', 'Notes', 'TOTP'].map(col);
  body.forEach((row, i) => {
    const where = `row ${i + 2}`;
    if (row.length !== head.length) {
      batch.refused.push({ where, reason: `expected ${head.length} columns, got ${row.length}` });
      return;
    }
    collect(batch, where, () => ({
      password: {
        description: row[title],
        username: row[user],
        password: row[pass],
        notes: notes >= 0 ? row[notes] : '',
      },
    }));
    const uri = totp >= 0 ? row[totp].trim() : '';
    if (uri !== '') collect(batch, `${where} (TOTP)`, () => ({ totp: parseOtpauth(uri) }));
  });
}

/** A cell a spreadsheet would run as a formula gets a leading apostrophe (OWASP CSV injection guidance). */
export function neutralise(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

export function exportPasswordsCsv(
  entries: Pick<PasswordRecord, 'description' | 'username' | 'password' | 'notes'>[],
): string {
  return stringify(
    entries.map((e) => [e.description, e.username, e.password, e.notes].map(neutralise)),
    { header: true, columns: SIMPLE_HEADER, quoted: true },
  );
}

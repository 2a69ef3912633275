// What an import file yields before anything is stored: the entries to add and the ones refused, with why.
// Entries are checked here with the same rules the servers apply, so a refused entry never reaches the PDDB and
// the servers can take the rest all or nothing.
import { VaultError, isVaultError } from '../records/errors.ts';
import { validateTotp, TOTP_RECORD_VERSION } from '../totp/record.ts';
import { validatePassword, PASSWORD_RECORD_VERSION } from '../passwords/record.ts';
import type { NewTotp } from '../totp/client.ts';
import type { NewPassword } from '../passwords/client.ts';

export interface Refused {
  /** Where in the file: "entry 3", "line 7", "row 12". */
  where: string;
  reason: string;
}

export interface ImportBatch {
  totp: NewTotp[];
  passwords: NewPassword[];
  refused: Refused[];
}

export function emptyBatch(): ImportBatch {
  return { totp: [], passwords: [], refused: [] };
}

/** Add what `make` builds to the batch, or note why it was refused (only our typed errors; anything else is a bug). */
export function collect(
  batch: ImportBatch,
  where: string,
  make: () => { totp?: NewTotp; password?: NewPassword } | void,
): void {
  try {
    const made = make();
    if (made?.totp) validateTotp({ ...made.totp, version: TOTP_RECORD_VERSION, ctime: 0, extra: [] });
    if (made?.password)
      validatePassword({ ...made.password, version: PASSWORD_RECORD_VERSION, ctime: 0, atime: 0, count: 0, extra: [] });
    if (made?.totp) batch.totp.push(made.totp);
    if (made?.password) batch.passwords.push(made.password);
  } catch (e) {
    if (!isVaultError(e)) throw e;
    batch.refused.push({ where, reason: e.message });
  }
}

/** A JSON document, or BadFormat (the parser's message can quote the file: it is not passed on). */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new VaultError('BadFormat', `not a valid ${what} JSON file`);
  }
}

/** A string field of an untrusted object ('' when absent), or a typed error when it is something else. */
export function str(o: unknown, key: string, where: string): string {
  const v = (o as Record<string, unknown> | null)?.[key];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new VaultError('InvalidInput', `${where}: '${key}' is not text`);
  return v;
}

export function num(o: unknown, key: string, where: string, fallback: number): number {
  const v = (o as Record<string, unknown> | null)?.[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v))
    throw new VaultError('InvalidInput', `${where}: '${key}' is not a whole number`);
  return v;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

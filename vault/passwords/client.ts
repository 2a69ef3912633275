// The typed client of the vault.passwords server.
import type { ClientProcess, Connection } from '../../transports/ipc/index.ts';
import { check } from '../records/wire.ts';
import {
  PasswordOp,
  passwordOps,
  PASSWORDS_SERVER_NAME,
  recordFromWire,
  recordToWire,
  type PasswordOps,
  type WireRecord,
} from './api.ts';
import { PASSWORD_RECORD_VERSION, validatePassword, type PasswordRecord } from './record.ts';
import type { ImportResult } from '../totp/client.ts';

export interface PasswordSummary {
  key: string;
  basis: string;
  description: string;
  username: string;
  notes: string;
  ctime: number;
  atime: number;
  count: number;
}

export interface PasswordEntry {
  key: string;
  basis: string;
  record: PasswordRecord;
}

/** Which entry: by description, plus the username when several share it. */
export interface Which {
  description: string;
  username?: string;
  basis?: string;
}

export type NewPassword = Pick<PasswordRecord, 'description' | 'username' | 'password' | 'notes'> &
  Partial<Pick<PasswordRecord, 'extra'>>;

export class PasswordsClient {
  private constructor(private readonly conn: Connection<PasswordOps>) {}

  static async connect(proc: ClientProcess, timeoutMs?: number): Promise<PasswordsClient> {
    return new PasswordsClient(await proc.connect(PASSWORDS_SERVER_NAME, { api: passwordOps, timeoutMs }));
  }

  /** Every entry without its password, by description; `filter` matches description, username or notes. */
  async list(filter?: string): Promise<{ entries: PasswordSummary[]; unreadable: number }> {
    const entries: PasswordSummary[] = [];
    for (;;) {
      const r = check(await this.conn.request(PasswordOp.List, { filter, start: entries.length }));
      for (const e of r.entries ?? [])
        entries.push({ ...e, ctime: Number(e.ctime), atime: Number(e.atime), count: Number(e.count) });
      if (!r.entries?.length || entries.length >= r.total) return { entries, unreadable: r.unreadable };
    }
  }

  async get(which: Which): Promise<PasswordEntry> {
    return entry(check(await this.conn.request(PasswordOp.Get, which)).entry!);
  }

  async add(e: NewPassword, basis?: string): Promise<PasswordEntry> {
    return entry(check(await this.conn.request(PasswordOp.Add, { record: recordToWire(full(e)), basis })).entry!);
  }

  /** Delete + re-create in the entry's basis, as the original (ctime restarts; the key follows description|username). */
  async edit(which: Which, e: NewPassword): Promise<PasswordEntry> {
    return entry(check(await this.conn.request(PasswordOp.Edit, { ...which, record: recordToWire(full(e)) })).entry!);
  }

  async delete(which: Which): Promise<void> {
    check(await this.conn.request(PasswordOp.Delete, which));
  }

  /** Count one use now (what autotype does): atime and count. */
  async touch(which: Which): Promise<PasswordEntry> {
    return entry(check(await this.conn.request(PasswordOp.Touch, which)).entry!);
  }

  async import(entries: NewPassword[], basis?: string): Promise<ImportResult> {
    const r = check(
      await this.conn.request(PasswordOp.Import, { records: entries.map((e) => recordToWire(full(e))), basis }),
    );
    return { added: r.added, duplicates: r.duplicates, basis: r.basis };
  }
}

/** The whole record, checked here first so a bad field is an InvalidInput, not a message that fails to encode. */
function full(e: NewPassword): PasswordRecord {
  const r = { version: PASSWORD_RECORD_VERSION, ctime: 0, atime: 0, count: 0, extra: [], ...e };
  validatePassword(r);
  return r;
}

function entry(e: { key: string; basis: string; record: WireRecord }): PasswordEntry {
  return { key: e.key, basis: e.basis, record: recordFromWire(e.record) };
}

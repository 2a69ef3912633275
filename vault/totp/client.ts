// The typed client of the vault.totp server: what the CLI, the device page and tests use.
import type { ClientProcess, Connection } from '../../transports/ipc/index.ts';
import { check } from '../records/wire.ts';
import { recordFromWire, recordToWire, TOTP_SERVER_NAME, TotpOp, totpOps, type TotpOps } from './api.ts';
import { TOTP_RECORD_VERSION, validateTotp, type TotpAlgorithm, type TotpRecord } from './record.ts';

export interface TotpSummary {
  key: string;
  basis: string;
  name: string;
  issuer: string;
  algorithm: TotpAlgorithm;
  digits: number;
  /** TOTP period or HOTP next counter. */
  timestep: number;
  hotp: boolean;
  notes: string;
  ctime: number;
}

export interface TotpEntry {
  key: string;
  basis: string;
  record: TotpRecord;
}

export interface CodeResult {
  code: string;
  /** Seconds left in the period (TOTP), 0 for HOTP. */
  remaining: number;
  period: number;
  /** HOTP: the counter this code is for (the stored one is already past it). */
  counter?: number;
  basis: string;
}

export interface ImportResult {
  added: number;
  /** Indexes, in the batch, of entries whose name exists already. */
  duplicates: number[];
  basis?: string;
}

/** A new entry as a user gives it: ctime and version are the server's. */
export type NewTotp = Omit<TotpRecord, 'ctime' | 'version' | 'extra'> & Partial<Pick<TotpRecord, 'extra'>>;

export class TotpClient {
  private constructor(private readonly conn: Connection<TotpOps>) {}

  static async connect(proc: ClientProcess, timeoutMs?: number): Promise<TotpClient> {
    return new TotpClient(await proc.connect(TOTP_SERVER_NAME, { api: totpOps, timeoutMs }));
  }

  /** Every entry (no secrets), sorted by name; `filter` matches name, issuer or notes, case-insensitively. */
  async list(filter?: string): Promise<{ entries: TotpSummary[]; unreadable: number }> {
    const entries: TotpSummary[] = [];
    for (;;) {
      const r = check(await this.conn.request(TotpOp.List, { filter, start: entries.length }));
      for (const e of r.entries ?? []) {
        entries.push({
          ...e,
          algorithm: e.algorithm as TotpAlgorithm,
          timestep: Number(e.timestep),
          ctime: Number(e.ctime),
        });
      }
      if (!r.entries?.length || entries.length >= r.total) return { entries, unreadable: r.unreadable };
    }
  }

  /** One entry with its secret (export, autotype). */
  async get(name: string, basis?: string): Promise<TotpEntry> {
    return entry(check(await this.conn.request(TotpOp.Get, { name, basis })).entry!);
  }

  async add(e: NewTotp, opts: { basis?: string; overwrite?: boolean } = {}): Promise<TotpEntry> {
    const record = recordToWire(full(e));
    return entry(
      check(await this.conn.request(TotpOp.Add, { record, basis: opts.basis, overwrite: opts.overwrite ?? false }))
        .entry!,
    );
  }

  /** Replace an entry (delete + create in its basis, as the original: ctime restarts, a rename moves the key). */
  async edit(name: string, e: NewTotp, basis?: string): Promise<TotpEntry> {
    return entry(check(await this.conn.request(TotpOp.Edit, { name, basis, record: recordToWire(full(e)) })).entry!);
  }

  async delete(name: string, basis?: string): Promise<void> {
    check(await this.conn.request(TotpOp.Delete, { name, basis }));
  }

  /** The current code (device clock), or the code at `at` (unix seconds). HOTP: advances the stored counter. */
  async code(name: string, opts: { at?: number; basis?: string } = {}): Promise<CodeResult> {
    const r = check(
      await this.conn.request(TotpOp.Code, {
        name,
        basis: opts.basis,
        at: opts.at === undefined ? undefined : BigInt(opts.at),
      }),
    );
    return {
      code: r.code,
      remaining: r.remaining,
      period: Number(r.period),
      counter: r.counter === undefined ? undefined : Number(r.counter),
      basis: r.basis!,
    };
  }

  /** Store every entry or none (one sync); duplicates are skipped and reported. */
  async import(entries: NewTotp[], basis?: string): Promise<ImportResult> {
    const r = check(
      await this.conn.request(TotpOp.Import, { records: entries.map((e) => recordToWire(full(e))), basis }),
    );
    return { added: r.added, duplicates: r.duplicates, basis: r.basis };
  }
}

/** The whole record, checked here first so a bad field is an InvalidInput, not a message that fails to encode. */
function full(e: NewTotp): TotpRecord {
  const r = { version: TOTP_RECORD_VERSION, ctime: 0, extra: [], ...e };
  validateTotp(r);
  return r;
}

function entry(e: { key: string; basis: string; record: Parameters<typeof recordFromWire>[0] }): TotpEntry {
  return { key: e.key, basis: e.basis, record: recordFromWire(e.record) };
}

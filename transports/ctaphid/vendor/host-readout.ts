// Host readout: the Vault's backup protocol answered over CTAPHID (only when `pvault serve --host-readout` asks for
// it). 0x74 starts a session over; 0x72 {kind} sends the TOTP or password entries of every open basis as Wire
// chunks, one per call, then NoMoreChunks; 0x71 takes Wire chunks in order and, at the last, stores the packet in
// the latest basis, duplicates skipped (the original's rules). One session at a time, bound to the channel that
// opened it; anything out of order ends it with a session error. Answers carry codes only, never entry content.
import type { ClientProcess } from '../../ipc/index.ts';
import { TotpClient } from '../../../vault/totp/client.ts';
import { PasswordsClient } from '../../../vault/passwords/client.ts';
import { emptyBatch } from '../../../vault/transfer/batch.ts';
import { IMPORT_FILE_MAX } from '../../../vault/transfer/import.ts';
import { decodeBackupCbor, importVaultBackup } from '../../../vault/transfer/vault-backup.ts';
import { encodePasswordPacket, encodeTotpPacket } from './data-packet.ts';
import {
  BackupKind,
  CONTINUE_RESPONSE,
  OKAY_CANARY,
  VendorCommand,
  VendorError,
  type VendorAnswer,
  type VendorHandler,
} from './protocol.ts';
import { decodeWire, encodeWire, splitWires, WireError, type Wire } from './wire.ts';

type Session =
  | { kind: 'idle' }
  | { kind: 'backup'; cid: number; what: BackupKind; packet: Uint8Array; chunks: Wire[] }
  | { kind: 'restore'; cid: number; parts: Uint8Array[]; size: number; next: number };

const IDLE: Session = { kind: 'idle' };

export class HostReadout implements VendorHandler {
  private session: Session = IDLE;

  constructor(
    private readonly totp: TotpClient,
    private readonly passwords: PasswordsClient,
  ) {}

  static async connect(proc: ClientProcess): Promise<HostReadout> {
    return new HostReadout(await TotpClient.connect(proc), await PasswordsClient.connect(proc));
  }

  handles(cmd: number): boolean {
    return cmd === VendorCommand.ResetSession || cmd === VendorCommand.Backup || cmd === VendorCommand.Restore;
  }

  async run(cid: number, cmd: number, payload: Uint8Array): Promise<VendorAnswer> {
    if (cmd === VendorCommand.ResetSession) {
      this.session = IDLE;
      return { payload: OKAY_CANARY };
    }
    if (cmd === VendorCommand.Backup) return this.backup(cid, payload);
    if (cmd === VendorCommand.Restore) return this.restore(cid, payload);
    return { error: VendorError.BadRequest };
  }

  private async backup(cid: number, payload: Uint8Array): Promise<VendorAnswer> {
    const what = payload.length === 1 ? (payload[0] as BackupKind) : undefined;
    if (what !== BackupKind.Totp && what !== BackupKind.Password) return { error: VendorError.BadRequest };
    let s = this.session;
    if (s.kind === 'idle') {
      try {
        const packet = await this.readOut(what);
        s = { kind: 'backup', cid, what, packet, chunks: splitWires(packet) };
      } catch {
        return { error: VendorError.BackupFailed };
      }
      this.session = s;
    }
    if (s.kind !== 'backup' || s.cid !== cid || s.what !== what) return this.fail(VendorError.Session);
    const chunk = s.chunks.shift();
    if (!chunk) return { error: VendorError.NoMoreChunks };
    const answer = encodeWire(chunk);
    // The entries (secrets included) stay in memory no longer than it takes to send them.
    if (s.chunks.length === 0) s.packet.fill(0);
    return { payload: answer };
  }

  private async readOut(what: BackupKind): Promise<Uint8Array> {
    if (what === BackupKind.Totp) {
      const { entries } = await this.totp.list();
      const records = [];
      for (const e of entries) records.push((await this.totp.get(e.name, e.basis)).record);
      return encodeTotpPacket(records);
    }
    const { entries } = await this.passwords.list();
    const records = [];
    for (const e of entries)
      records.push(
        (await this.passwords.get({ description: e.description, username: e.username, basis: e.basis })).record,
      );
    return encodePasswordPacket(records);
  }

  private async restore(cid: number, payload: Uint8Array): Promise<VendorAnswer> {
    let wire: Wire;
    try {
      wire = decodeWire(payload);
    } catch (e) {
      if (e instanceof WireError) return this.fail(VendorError.BadRequest);
      throw e;
    }
    let s = this.session;
    if (s.kind === 'idle' && wire.index === 0) s = this.session = { kind: 'restore', cid, parts: [], size: 0, next: 0 };
    if (s.kind !== 'restore' || s.cid !== cid || wire.index !== s.next) return this.fail(VendorError.Session);
    if (s.size + wire.data.length > IMPORT_FILE_MAX) return this.fail(VendorError.RestoreFailed);
    s.parts.push(wire.data);
    s.size += wire.data.length;
    s.next++;
    if (wire.more) return { payload: CONTINUE_RESPONSE };
    this.session = IDLE;
    const packet = Buffer.concat(s.parts);
    for (const p of s.parts) p.fill(0);
    const stored = await this.store(packet);
    packet.fill(0);
    return stored ? { payload: OKAY_CANARY } : { error: VendorError.RestoreFailed };
  }

  /** All or nothing: one refused entry refuses the packet (the original stops at a bad entry too). */
  private async store(packet: Uint8Array): Promise<boolean> {
    try {
      const batch = emptyBatch();
      importVaultBackup(decodeBackupCbor(packet), batch);
      if (batch.refused.length > 0) return false;
      if (batch.totp.length > 0) await this.totp.import(batch.totp);
      if (batch.passwords.length > 0) await this.passwords.import(batch.passwords);
      return true;
    } catch {
      return false;
    }
  }

  private fail(code: VendorError): VendorAnswer {
    this.session = IDLE;
    return { error: code };
  }
}

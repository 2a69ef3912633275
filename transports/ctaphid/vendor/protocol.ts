// The Vault's host backup protocol over CTAPHID vendor commands (apps/vault/src/vendor_commands.rs and
// libraries/backup in xous-core; the host side is apps/vault/tools/vaultbackup-rs): command numbers, the answers
// the original's tool compares against, and the ERROR codes it sends. The codes are the original's, not CTAPHID's.
// One difference: outside host readout the original answers ERROR 44; a device of ours not asked for host readout
// does not know these commands at all (CTAPHID INVALID_CMD), as any other security key would answer.

export enum VendorCommand {
  Restore = 0x71,
  Backup = 0x72,
  ResetSession = 0x74,
}

/** 0x74's answer, and 0x71's once the last chunk is stored. */
export const OKAY_CANARY = Uint8Array.of(0xca, 0xfe, 0xba, 0xbe);
/** 0x71's answer to a chunk that announces more. */
export const CONTINUE_RESPONSE = Uint8Array.of(42, 43, 44, 45);

export enum VendorError {
  /** The restored packet could not be stored (a bad entry, or the PDDB failed). */
  RestoreFailed = 41,
  /** The backup could not be read from the vault. */
  BackupFailed = 42,
  /** A payload that is not what the command takes: a CBOR Wire chunk for 0x71, one kind byte for 0x72. */
  BadRequest = 0x35,
  /** A chunk out of order, or a command that does not belong to the running session. */
  Session = 0x36,
  /** Every chunk of the backup was sent: ask again only after 0x74. */
  NoMoreChunks = 88,
}

/** 0x72's one-byte request: what to back up. (The DataPacket's own type numbers are the other way round.) */
export enum BackupKind {
  Totp = 1,
  Password = 2,
}

/** A vendor command's outcome: a payload answered on the same command, or a CTAPHID ERROR with this code. */
export type VendorAnswer = { payload: Uint8Array } | { error: number };

/** What the channel machine hands vendor commands (0x40..0x7f) to. */
export interface VendorHandler {
  handles(cmd: number): boolean;
  run(cid: number, cmd: number, payload: Uint8Array): Promise<VendorAnswer>;
}

// What 0x72 sends: the vault's entries as the original's DataPacket {1: type, 2: [entries]} in CBOR, the shape
// vault/transfer/vault-backup.ts reads back. TOTP entries carry exactly the original's five fields; an HOTP entry
// adds 6: true (the original's backup library reads it; its device drops it), with the counter in field 1.
import { encode } from 'cborg';
import { ALGORITHMS, type TotpRecord } from '../../../vault/totp/record.ts';
import type { PasswordRecord } from '../../../vault/passwords/record.ts';

export enum PacketType {
  Password = 1,
  Totp = 2,
}

export function encodeTotpPacket(records: TotpRecord[]): Uint8Array {
  return encodePacket(
    PacketType.Totp,
    records.map((r) => {
      const m = new Map<number, unknown>([
        [1, r.timestep],
        [2, r.secret],
        [3, r.digits],
        [4, ALGORITHMS.indexOf(r.algorithm) + 1],
        [5, r.name],
      ]);
      if (r.hotp) m.set(6, true);
      return m;
    }),
  );
}

export function encodePasswordPacket(records: PasswordRecord[]): Uint8Array {
  return encodePacket(
    PacketType.Password,
    records.map(
      (r) =>
        new Map<number, unknown>([
          [1, r.description],
          [2, r.username],
          [3, r.password],
          [4, r.notes],
        ]),
    ),
  );
}

function encodePacket(type: PacketType, entries: Map<number, unknown>[]): Uint8Array {
  return encode(
    new Map<number, unknown>([
      [1, type],
      [2, entries],
    ]),
  );
}

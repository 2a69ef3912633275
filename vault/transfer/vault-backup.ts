// The original's host backup payload (apps/vault/tools/vaultbackup-rs, libraries/backup): a DataPacket
// {1: type (1 passwords, 2 TOTP), 2: [entries]}, as CBOR (integer keys) or as the same structure in JSON (keys "1",
// "2", ...). TotpEntry {1 step, 2 secret (base32), 3 digits, 4 algorithm 1/2/3, 5 name}; PasswordEntry {1
// description, 2 username, 3 password, 4 notes}. A file may hold one packet or an array of packets.
// The original drops the HOTP flag on this path; we read an optional 6: hotp (bool), with step as the counter.
import { decode } from 'cborg';
import { VaultError } from '../records/errors.ts';
import { normalizeSecret, encodeSecret } from '../totp/secret.ts';
import { collect, isObject, type ImportBatch } from './batch.ts';

const ALGORITHM = [undefined, 'SHA1', 'SHA256', 'SHA512'] as const;

type Fields = (k: number) => unknown;

export function decodeBackupCbor(bytes: Uint8Array): unknown {
  try {
    return decode(bytes, { useMaps: true });
  } catch {
    throw new VaultError('BadFormat', 'not a valid CBOR backup packet');
  }
}

/** Field access for a packet or an entry: a CBOR Map with integer keys, or a JSON object with "1", "2"... */
function fields(v: unknown): Fields | undefined {
  if (v instanceof Map) return (k) => v.get(k);
  if (isObject(v)) return (k) => v[String(k)];
  return undefined;
}

export function isVaultBackup(doc: unknown): boolean {
  const packets = Array.isArray(doc) ? doc : [doc];
  return (
    packets.length > 0 &&
    packets.every((p) => {
      const f = fields(p);
      return f !== undefined && (f(1) === 1 || f(1) === 2) && Array.isArray(f(2));
    })
  );
}

export function importVaultBackup(doc: unknown, batch: ImportBatch): void {
  if (!isVaultBackup(doc)) throw new VaultError('BadFormat', 'not a vault backup DataPacket {1: type, 2: [entries]}');
  (Array.isArray(doc) ? doc : [doc]).forEach((packet, pi) => {
    const p = fields(packet)!;
    (p(2) as unknown[]).forEach((entry, i) =>
      collect(batch, `packet ${pi + 1}, entry ${i + 1}`, () => {
        const e = fields(entry);
        if (!e) throw new VaultError('InvalidInput', 'not an entry map');
        const text = (k: number) => {
          const v = e(k) ?? '';
          if (typeof v !== 'string') throw new VaultError('InvalidInput', `field ${k} is not text`);
          return v;
        };
        const whole = (k: number, fallback: number) => {
          const v = e(k) ?? fallback;
          const n = typeof v === 'bigint' ? Number(v) : v;
          if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
            throw new VaultError('InvalidInput', `field ${k} is not a whole number`);
          return n;
        };
        if (p(1) === 1)
          return { password: { description: text(1), username: text(2), password: text(3), notes: text(4) } };
        const algorithm = ALGORITHM[whole(4, 1)];
        if (!algorithm) throw new VaultError('Unsupported', 'algorithm must be 1 (SHA1), 2 (SHA256) or 3 (SHA512)');
        const raw = e(2);
        const secret = raw instanceof Uint8Array ? encodeSecret(raw) : normalizeSecret(text(2));
        const hotp = e(6) === true;
        return {
          totp: {
            name: text(5),
            issuer: '',
            secret,
            algorithm,
            digits: whole(3, 6),
            timestep: whole(1, hotp ? 0 : 30),
            hotp,
            notes: '',
          },
        };
      }),
    );
  });
}

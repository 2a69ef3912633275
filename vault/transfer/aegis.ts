// Aegis Authenticator vault files (JSON, version 1): plain ("db" is an object) or encrypted ("db" is base64 of
// AES-256-GCM ciphertext under a master key; each password slot holds the master key wrapped with AES-256-GCM
// under scrypt(password, salt, N, r, p)). Crypto through @noble/hashes (scrypt) and @noble/ciphers (GCM).
import { scrypt } from '@noble/hashes/scrypt.js';
import { gcm } from '@noble/ciphers/aes.js';
import { base64, hex } from '@scure/base';
import { randomBytes, type Random } from '../../lib/random.ts';
import { VaultError } from '../records/errors.ts';
import { isAlgorithm, type TotpRecord } from '../totp/record.ts';
import { normalizeSecret } from '../totp/secret.ts';
import { collect, isObject, num, parseJson, str, type ImportBatch } from './batch.ts';
import { splitName } from './otpauth.ts';

/** scrypt work an import will do for one slot: Aegis uses N = 2^15, r = 8, p = 1 (32 MiB). */
const SCRYPT_MEMORY_MAX = 256 * 1024 * 1024;

export function isAegis(doc: unknown): boolean {
  return isObject(doc) && isObject(doc.header) && 'db' in doc;
}

export function importAegis(doc: unknown, password: string | undefined, batch: ImportBatch): void {
  if (!isObject(doc) || doc.version !== 1 || !isObject(doc.header))
    throw new VaultError('BadFormat', 'not an Aegis vault (version 1)');
  const db = typeof doc.db === 'string' ? decryptDb(doc.header, doc.db, password) : doc.db;
  if (!isObject(db) || !Array.isArray(db.entries))
    throw new VaultError('BadFormat', 'the Aegis vault has no entry list');
  db.entries.forEach((e: unknown, i: number) =>
    collect(batch, `entry ${i + 1}`, () => {
      if (!isObject(e) || !isObject(e.info)) throw new VaultError('InvalidInput', 'not an entry object');
      const type = str(e, 'type', 'type');
      if (type !== 'totp' && type !== 'hotp')
        throw new VaultError('Unsupported', `entry type '${type.slice(0, 16)}' (only totp and hotp)`);
      const algorithm = str(e.info, 'algo', 'algo').toUpperCase() || 'SHA1';
      if (!isAlgorithm(algorithm)) throw new VaultError('Unsupported', 'algorithm must be SHA1, SHA256 or SHA512');
      const issuer = str(e, 'issuer', 'issuer').trim();
      const account = str(e, 'name', 'name').trim();
      const hotp = type === 'hotp';
      return {
        totp: {
          name: issuer !== '' ? `${issuer}:${account}` : account,
          issuer,
          secret: normalizeSecret(str(e.info, 'secret', 'secret')),
          algorithm,
          digits: num(e.info, 'digits', 'digits', 6),
          timestep: hotp ? num(e.info, 'counter', 'counter', 0) : num(e.info, 'period', 'period', 30),
          hotp,
          notes: str(e, 'note', 'note'),
        },
      };
    }),
  );
}

function decryptDb(header: Record<string, unknown>, db: string, password: string | undefined): unknown {
  if (password === undefined)
    throw new VaultError('WrongPassword', 'this Aegis vault is encrypted: give its password (PVAULT_IMPORT_PASSWORD)');
  const slots = Array.isArray(header.slots) ? header.slots.filter((s) => isObject(s) && s.type === 1) : [];
  if (slots.length === 0) throw new VaultError('Unsupported', 'the Aegis vault has no password slot');
  const params = header.params;
  if (!isObject(params)) throw new VaultError('BadFormat', 'the Aegis header has no params');
  let master: Uint8Array | undefined;
  for (const slot of slots as Record<string, unknown>[]) {
    master = openSlot(slot, password);
    if (master) break;
  }
  if (!master) throw new VaultError('WrongPassword', 'the password opens no slot of this Aegis vault');
  try {
    const plain = gcm(master, bytes(params, 'nonce', 12)).decrypt(concat(decode64(db), bytes(params, 'tag', 16)));
    return parseJson(new TextDecoder().decode(plain), 'Aegis database');
  } catch (e) {
    if (e instanceof VaultError) throw e;
    throw new VaultError('BadFormat', 'the Aegis database does not decrypt with its master key (corrupt file)');
  } finally {
    master.fill(0);
  }
}

function openSlot(slot: Record<string, unknown>, password: string): Uint8Array | undefined {
  const n = num(slot, 'n', 'slot n', 0);
  const r = num(slot, 'r', 'slot r', 0);
  const p = num(slot, 'p', 'slot p', 0);
  if (n < 2 || (n & (n - 1)) !== 0 || r < 1 || p < 1 || p > 16 || 128 * r * n > SCRYPT_MEMORY_MAX) {
    throw new VaultError('Unsupported', 'the slot asks for scrypt parameters out of bounds');
  }
  const kek = scrypt(new TextEncoder().encode(password), bytes(slot, 'salt', 32), {
    N: n,
    r,
    p,
    dkLen: 32,
    maxmem: SCRYPT_MEMORY_MAX + 1024,
  });
  const kp = slot.key_params;
  if (!isObject(kp)) throw new VaultError('BadFormat', 'a slot has no key_params');
  try {
    return gcm(kek, bytes(kp, 'nonce', 12)).decrypt(concat(bytes(slot, 'key', 32), bytes(kp, 'tag', 16)));
  } catch {
    return undefined;
  } finally {
    kek.fill(0);
  }
}

function bytes(o: Record<string, unknown>, key: string, len: number): Uint8Array {
  const v = o[key];
  let b: Uint8Array;
  try {
    b = hex.decode(typeof v === 'string' ? v.toLowerCase() : '');
  } catch {
    throw new VaultError('BadFormat', `'${key}' is not hex`);
  }
  if (b.length !== len) throw new VaultError('BadFormat', `'${key}' is not ${len} bytes`);
  return b;
}

function decode64(s: string): Uint8Array {
  try {
    return base64.decode(s);
  } catch {
    throw new VaultError('BadFormat', 'the encrypted Aegis database is not base64');
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** A plain (unencrypted) Aegis vault holding `entries`; uuids from `random`. */
export function exportAegis(entries: TotpRecord[], random: Random): string {
  return JSON.stringify(
    {
      version: 1,
      header: { slots: null, params: null },
      db: {
        version: 3,
        entries: entries.map((r) => {
          const { issuer, account } = splitName(r);
          return {
            type: r.hotp ? 'hotp' : 'totp',
            uuid: uuid(random),
            name: account,
            issuer,
            note: r.notes,
            favorite: false,
            icon: null,
            info: {
              secret: r.secret,
              algo: r.algorithm,
              digits: r.digits,
              ...(r.hotp ? { counter: r.timestep } : { period: r.timestep || 1 }),
            },
            groups: [],
          };
        }),
        groups: [],
      },
    },
    null,
    4,
  );
}

function uuid(random: Random): string {
  const b = randomBytes(random, 16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = hex.encode(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// A TOTP/HOTP entry exactly as the original stores it (apps/vault/src/storage.rs, TotpRecord v2): dict
// `vault.totp`, key = uppercase hex SHA-256(name), value = the lines version, secret, name, algorithm, notes,
// digits, timestep, hotp, ctime. For HOTP (hotp:1) `timestep` holds the counter.
// Ours on top, invisible to the original (it ignores unknown tags): `issuer:` after ctime when there is one; tags
// we do not know are kept, in order, and written back after ours.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { VaultError } from '../records/errors.ts';
import { formatTagLines, parseDecimal, parseTagLines, U32_MAX, type TagLine } from '../records/lines.ts';
import { checkText } from '../records/fields.ts';
import { decodeSecret } from './secret.ts';

export const TOTP_DICT = 'vault.totp';
export const TOTP_RECORD_VERSION = 2;
/** The original's allocation hint for a record's key. */
export const TOTP_ALLOC_HINT = 128;

export const ALGORITHMS = ['SHA1', 'SHA256', 'SHA512'] as const;
export type TotpAlgorithm = (typeof ALGORITHMS)[number];

export interface TotpRecord {
  version: number;
  /** Base32, uppercase, unpadded. */
  secret: string;
  name: string;
  algorithm: TotpAlgorithm;
  notes: string;
  digits: number;
  /** TOTP: the period in seconds (0 is read as 1, as the original). HOTP: the next counter. */
  timestep: number;
  hotp: boolean;
  ctime: number;
  issuer: string;
  /** Tags the original or a later version wrote that we do not know: kept and written back. */
  extra: TagLine[];
}

/** Field limits: the original has none (its UI bounds them); these keep a record inside one PDDB small-key slot. */
export const TOTP_LIMITS = {
  name: 256,
  issuer: 256,
  notes: 1024,
  digitsMin: 6,
  digitsMax: 8,
  periodMax: 0x7fff_ffff,
} as const;

export function totpKeyName(name: string): string {
  return bytesToHex(sha256(new TextEncoder().encode(name))).toUpperCase();
}

export function isAlgorithm(s: string): s is TotpAlgorithm {
  return (ALGORITHMS as readonly string[]).includes(s);
}

export function encodeTotpRecord(r: TotpRecord): Uint8Array {
  const lines: TagLine[] = [
    ['version', String(r.version)],
    ['secret', r.secret],
    ['name', r.name],
    ['algorithm', r.algorithm],
    ['notes', r.notes],
    ['digits', String(r.digits)],
    ['timestep', String(r.timestep)],
    ['hotp', r.hotp ? '1' : '0'],
    ['ctime', String(r.ctime)],
  ];
  if (r.issuer !== '') lines.push(['issuer', r.issuer]);
  return formatTagLines([...lines, ...r.extra]);
}

export function decodeTotpRecord(bytes: Uint8Array): TotpRecord {
  // Absent fields take the original's documented defaults (SHA1 / 6 / 30); a v1 record has no hotp line.
  const r: TotpRecord = {
    version: 1,
    secret: '',
    name: '',
    algorithm: 'SHA1',
    notes: '',
    digits: 6,
    timestep: 30,
    hotp: false,
    ctime: 0,
    issuer: '',
    extra: [],
  };
  for (const [tag, value] of parseTagLines(bytes)) {
    switch (tag) {
      case 'version':
        r.version = parseDecimal(tag, value, U32_MAX);
        break;
      case 'secret':
        r.secret += value;
        break;
      case 'name':
        r.name += value;
        break;
      case 'notes':
        r.notes += value;
        break;
      case 'issuer':
        r.issuer += value;
        break;
      case 'algorithm':
        if (!isAlgorithm(value)) throw new VaultError('InvalidRecord', 'unknown algorithm in a stored record');
        r.algorithm = value;
        break;
      case 'digits':
        r.digits = parseDecimal(tag, value, U32_MAX);
        break;
      case 'timestep':
        r.timestep = parseDecimal(tag, value, Number.MAX_SAFE_INTEGER);
        break;
      case 'hotp':
        r.hotp = parseDecimal(tag, value, 255) !== 0;
        break;
      case 'ctime':
        r.ctime = parseDecimal(tag, value, Number.MAX_SAFE_INTEGER);
        break;
      default:
        r.extra.push([tag, value]);
    }
  }
  return r;
}

/** Checks a record before it is stored: what a user or an import file gives must be usable and storable. */
export function validateTotp(r: TotpRecord): void {
  checkText('name', r.name, TOTP_LIMITS.name, true);
  checkText('issuer', r.issuer, TOTP_LIMITS.issuer, false);
  checkText('notes', r.notes, TOTP_LIMITS.notes, false);
  decodeSecret(r.secret);
  if (!isAlgorithm(r.algorithm)) throw new VaultError('InvalidInput', 'the algorithm is SHA1, SHA256 or SHA512');
  if (!Number.isInteger(r.digits) || r.digits < TOTP_LIMITS.digitsMin || r.digits > TOTP_LIMITS.digitsMax) {
    throw new VaultError('InvalidInput', `digits must be ${TOTP_LIMITS.digitsMin} to ${TOTP_LIMITS.digitsMax}`);
  }
  if (r.hotp) {
    if (!Number.isSafeInteger(r.timestep) || r.timestep < 0)
      throw new VaultError('InvalidInput', 'the HOTP counter must be a non-negative integer');
  } else if (!Number.isInteger(r.timestep) || r.timestep < 1 || r.timestep > TOTP_LIMITS.periodMax) {
    throw new VaultError('InvalidInput', `the period must be 1 to ${TOTP_LIMITS.periodMax} seconds`);
  }
}

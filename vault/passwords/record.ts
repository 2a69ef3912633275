// A password entry exactly as the original stores it (apps/vault/src/storage.rs, PasswordRecord v1): dict
// `vault.passwords`, key = uppercase hex SHA-256(description | username) with no separator, value = the lines
// version, description, username, password, notes, ctime, atime, count. Unknown tags are kept, written after ours.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { checkText } from '../records/fields.ts';
import { formatTagLines, parseDecimal, parseTagLines, U32_MAX, type TagLine } from '../records/lines.ts';

export const PASSWORD_DICT = 'vault.passwords';
export const PASSWORD_RECORD_VERSION = 1;
export const PASSWORD_ALLOC_HINT = 128;

export interface PasswordRecord {
  version: number;
  description: string;
  username: string;
  password: string;
  notes: string;
  ctime: number;
  /** Last autotype (unix seconds; 0 = never). */
  atime: number;
  /** Autotypes so far. */
  count: number;
  extra: TagLine[];
}

export const PASSWORD_LIMITS = { description: 256, username: 256, password: 1024, notes: 4096 } as const;

export function passwordKeyName(description: string, username: string): string {
  return bytesToHex(sha256(new TextEncoder().encode(description + username))).toUpperCase();
}

export function encodePasswordRecord(r: PasswordRecord): Uint8Array {
  return formatTagLines([
    ['version', String(r.version)],
    ['description', r.description],
    ['username', r.username],
    ['password', r.password],
    ['notes', r.notes],
    ['ctime', String(r.ctime)],
    ['atime', String(r.atime)],
    ['count', String(r.count)],
    ...r.extra,
  ]);
}

export function decodePasswordRecord(bytes: Uint8Array): PasswordRecord {
  const r: PasswordRecord = {
    version: PASSWORD_RECORD_VERSION,
    description: '',
    username: '',
    password: '',
    notes: '',
    ctime: 0,
    atime: 0,
    count: 0,
    extra: [],
  };
  for (const [tag, value] of parseTagLines(bytes)) {
    switch (tag) {
      case 'version':
        r.version = parseDecimal(tag, value, U32_MAX);
        break;
      case 'description':
        r.description += value;
        break;
      case 'username':
        r.username += value;
        break;
      case 'password':
        r.password += value;
        break;
      case 'notes':
        r.notes += value;
        break;
      case 'ctime':
        r.ctime = parseDecimal(tag, value, Number.MAX_SAFE_INTEGER);
        break;
      case 'atime':
        r.atime = parseDecimal(tag, value, Number.MAX_SAFE_INTEGER);
        break;
      case 'count':
        r.count = parseDecimal(tag, value, Number.MAX_SAFE_INTEGER);
        break;
      default:
        r.extra.push([tag, value]);
    }
  }
  return r;
}

export function validatePassword(r: PasswordRecord): void {
  checkText('description', r.description, PASSWORD_LIMITS.description, true);
  checkText('username', r.username, PASSWORD_LIMITS.username, false);
  checkText('password', r.password, PASSWORD_LIMITS.password, false);
  checkText('notes', r.notes, PASSWORD_LIMITS.notes, false);
}

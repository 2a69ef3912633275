// SHA-256 as CTAP uses it everywhere (rpIdHash, PIN hashes, large-blob checksums), through node:crypto.
import { createHash } from 'node:crypto';

export function sha256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

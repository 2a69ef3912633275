// The "hosted dump" the original's tools read (tools/pddbdbg.py): NAME.bin is the raw PDDB region, NAME.key lists
// the keys of the bases to decode: u32 LE count, then per basis 128 bytes: name (64 bytes, NUL-padded), data key
// (32), page-table key (32). The .key file holds live keys: treat it like the passwords it stands for.
import { chmodSync, copyFileSync, writeFileSync } from 'node:fs';
import { PddbError } from './errors.ts';
import type { BasisKeys } from './crypto/kdf.ts';
import { decodeUtf8 } from './format/rootpage.ts';
import { BASIS_NAME_MAX } from './format/constants.ts';

const RECORD = 128;
const NAME_FIELD = 64;

export interface DumpedBasis {
  name: string;
  keys: BasisKeys;
}

export function encodeHostedKeys(bases: DumpedBasis[]): Uint8Array {
  const out = new Uint8Array(4 + bases.length * RECORD);
  new DataView(out.buffer).setUint32(0, bases.length, true);
  bases.forEach((b, i) => {
    const at = 4 + i * RECORD;
    const name = new TextEncoder().encode(b.name);
    if (name.length > BASIS_NAME_MAX) throw new PddbError('InvalidName', 'basis name longer than 63 bytes');
    out.set(name, at);
    out.set(b.keys.data, at + NAME_FIELD);
    out.set(b.keys.pt, at + NAME_FIELD + 32);
  });
  return out;
}

/**
 * Write NAME.bin (a copy of the image at `imagePath`) and NAME.key, both 0600: the key file opens those bases to
 * whoever reads it, so an existing file's looser mode is fixed too, not inherited.
 */
export function writeHostedDump(name: string, imagePath: string, bases: DumpedBasis[]): { bin: string; key: string } {
  const bin = `${name}.bin`;
  const key = `${name}.key`;
  const keys = encodeHostedKeys(bases);
  try {
    writeFileSync(key, keys, { mode: 0o600 });
    chmodSync(key, 0o600);
  } finally {
    keys.fill(0);
  }
  copyFileSync(imagePath, bin);
  chmodSync(bin, 0o600);
  return { bin, key };
}

/** Parse a .key file; anything malformed is a BadImage error naming what is wrong (never the key bytes). */
export function decodeHostedKeys(bytes: Uint8Array): DumpedBasis[] {
  if (bytes.length < 4) throw new PddbError('BadImage', 'key file shorter than its count');
  const count = new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint32(0, true);
  if (bytes.length !== 4 + count * RECORD) {
    throw new PddbError(
      'BadImage',
      `key file of ${bytes.length} bytes does not hold ${count} records of ${RECORD} bytes`,
    );
  }
  const out: DumpedBasis[] = [];
  for (let i = 0; i < count; i++) {
    const at = 4 + i * RECORD;
    const field = bytes.subarray(at, at + NAME_FIELD);
    const end = field.indexOf(0);
    const name = decodeUtf8(field.subarray(0, end < 0 ? NAME_FIELD : end));
    if (!name || end < 0 || end > BASIS_NAME_MAX)
      throw new PddbError('BadImage', `key file record ${i}: bad basis name`);
    out.push({
      name,
      keys: {
        data: bytes.slice(at + NAME_FIELD, at + NAME_FIELD + 32),
        pt: bytes.slice(at + NAME_FIELD + 32, at + RECORD),
      },
    });
  }
  return out;
}

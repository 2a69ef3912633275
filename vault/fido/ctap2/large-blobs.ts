// authenticatorLargeBlobs (0x0C), CTAP 2.1 section 6.10: the serialized large-blob array (CBOR array followed by
// LEFT(SHA-256, 16) of it), read in fragments and written in order, checked whole before it replaces the old one.
import { equalBytes } from '@noble/ciphers/utils.js';
import { concatBytes } from '@noble/hashes/utils.js';
import type { Authenticator } from '../authenticator.ts';
import { MAX_MSG_SIZE } from '../limits.ts';
import { sha256 } from '../hash.ts';
import type { Params } from '../cbor.ts';
import { Permission } from '../pin-token.ts';
import { Key, SYSTEM_BASIS } from '../store.ts';
import { CtapStatus, ensure } from '../status.ts';

export const MAX_LARGE_BLOB_ARRAY = 2048;
const MAX_FRAGMENT = MAX_MSG_SIZE - 64;
/** The empty array: 0x80 | LEFT(SHA-256(0x80), 16). */
export const EMPTY_LARGE_BLOB_ARRAY = Uint8Array.from(Buffer.from('8076be8b528d0075f7aae98d6fa57a6d3c', 'hex'));

interface PendingWrite {
  expected: number;
  parts: Uint8Array[];
  received: number;
}
const pending = new WeakMap<Authenticator, PendingWrite>();

export async function largeBlobs(auth: Authenticator, p: Params): Promise<Map<number, unknown> | undefined> {
  const get = p.optUint(1);
  const set = p.optBytes(2);
  const offset = p.optUint(3);
  const length = p.optUint(4);
  const param = p.optBytes(5);
  const version = p.optUint(6);
  ensure((get === undefined) !== (set === undefined), CtapStatus.InvalidParameter, 'exactly one of get and set');
  ensure(offset !== undefined, CtapStatus.InvalidParameter, 'offset is missing');

  if (get !== undefined) {
    ensure(length === undefined, CtapStatus.InvalidParameter, 'length goes with set');
    ensure(get <= MAX_FRAGMENT, CtapStatus.InvalidLength, 'fragment too long');
    const stored = (await auth.store.read(Key.LargeBlobArray, SYSTEM_BASIS)) ?? EMPTY_LARGE_BLOB_ARRAY;
    ensure(offset <= stored.length, CtapStatus.InvalidParameter, 'offset past the end');
    return new Map([[1, stored.subarray(offset, offset + get)]]);
  }

  ensure(set!.length <= MAX_FRAGMENT, CtapStatus.InvalidLength, 'fragment too long');
  let state = pending.get(auth);
  if (offset === 0) {
    ensure(length !== undefined, CtapStatus.InvalidParameter, 'the first fragment gives the length');
    ensure(length <= MAX_LARGE_BLOB_ARRAY, CtapStatus.LargeBlobStorageFull, 'over the large-blob capacity');
    ensure(length >= 17, CtapStatus.InvalidParameter, 'too short to be a large-blob array');
    state = { expected: length, parts: [], received: 0 };
    pending.set(auth, state);
  } else {
    ensure(length === undefined, CtapStatus.InvalidParameter, 'length only on the first fragment');
    ensure(state, CtapStatus.InvalidSeq, 'no write in progress');
    ensure(offset === state.received, CtapStatus.InvalidSeq, 'fragments out of order');
  }
  if (param !== undefined || (await auth.pinIsSet()) || (await auth.flag(Key.AlwaysUv))) {
    ensure(param !== undefined, CtapStatus.PuatRequired, 'large-blob writes need a pinUvAuthToken');
    const offsetLe = new Uint8Array(4);
    new DataView(offsetLe.buffer).setUint32(0, offset, true);
    const message = concatBytes(new Uint8Array(32).fill(0xff), Uint8Array.of(0x0c, 0x00), offsetLe, sha256(set!));
    auth.verifyToken(param, version, message, Permission.LargeBlobWrite);
  }
  ensure(state.received + set!.length <= state.expected, CtapStatus.InvalidParameter, 'more data than announced');
  state.parts.push(set!);
  state.received += set!.length;
  if (state.received < state.expected) return undefined;

  pending.delete(auth);
  const whole = concatBytes(...state.parts);
  const body = whole.subarray(0, whole.length - 16);
  ensure(
    equalBytes(sha256(body).subarray(0, 16), whole.subarray(whole.length - 16)),
    CtapStatus.IntegrityFailure,
    'checksum mismatch',
  );
  await auth.store.write(Key.LargeBlobArray, whole, SYSTEM_BASIS);
  await auth.store.sync();
  return undefined;
}

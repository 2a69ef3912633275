// The .System basis keys as the key page stores them: each AES-KWP wrapped (RFC 5649) under the User0 key, 40
// bytes (root-keys kwp_op with aes_kw's wrap_with_padding; hw.rs StaticCryptoData system_key_pt, system_key).
// The original has no PIN check of its own: try_login unwraps both keys and a failed KWP integrity check is its
// "wrong PIN" (PasswordState::Incorrect). Not emulated: its fallback to a pre-2022 non-standard key wrap
// (KeywrapError::UpgradeToNew), which only images made by old firmware need.
import { wipe } from '../crypto/bytes.ts';
import type { BasisKeys } from '../crypto/kdf.ts';
import { kwpUnwrap, kwpWrap } from '../crypto/kwp.ts';
import { KeyboxError } from './errors.ts';
import { USER0_KEY_LEN } from './keybox.ts';

export const WRAPPED_KEY_LEN = 40;
const SYSTEM_KEY_LEN = 32;

export interface WrappedSystemKeys {
  /** The wrapped page-table key (StaticCryptoData.system_key_pt). */
  ptWrapped40: Uint8Array;
  /** The wrapped data key (StaticCryptoData.system_key). */
  dataWrapped40: Uint8Array;
}

export function wrapSystemKeys(user0Key: Uint8Array, keys: BasisKeys): WrappedSystemKeys {
  checkKey(user0Key);
  if (keys.pt.length !== SYSTEM_KEY_LEN || keys.data.length !== SYSTEM_KEY_LEN) {
    throw new RangeError('.System keys must be 32 bytes each');
  }
  return { ptWrapped40: kwpWrap(user0Key, keys.pt), dataWrapped40: kwpWrap(user0Key, keys.data) };
}

/**
 * The .System keys, or KeyboxError('AccessDenied') when either does not unwrap under `user0Key` (the boot PIN
 * was wrong), or 'Malformed' when a wrapped key is not 40 bytes.
 */
export function unwrapSystemKeys(user0Key: Uint8Array, wrapped: WrappedSystemKeys): BasisKeys {
  checkKey(user0Key);
  if (wrapped.ptWrapped40.length !== WRAPPED_KEY_LEN || wrapped.dataWrapped40.length !== WRAPPED_KEY_LEN) {
    throw new KeyboxError('Malformed');
  }
  // Page-table key first, then data key, as try_login does; either failing is the same denial.
  const pt = kwpUnwrap(user0Key, wrapped.ptWrapped40);
  if (!pt.ok) throw new KeyboxError('AccessDenied');
  const data = kwpUnwrap(user0Key, wrapped.dataWrapped40);
  if (!data.ok || data.key.length !== SYSTEM_KEY_LEN || pt.key.length !== SYSTEM_KEY_LEN) {
    wipe(pt.key, data.ok ? data.key : null);
    throw new KeyboxError('AccessDenied');
  }
  return { pt: pt.key, data: data.key };
}

function checkKey(user0Key: Uint8Array): void {
  if (!(user0Key instanceof Uint8Array) || user0Key.length !== USER0_KEY_LEN) {
    throw new RangeError('User0 key must be 32 bytes');
  }
}

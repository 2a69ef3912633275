// CTAP extensions (CTAP 2.1 section 12): credProtect, hmac-secret (and hmac-secret-mc, CTAP 2.2), credBlob,
// largeBlobKey, minPinLength. Parsing checks types (CBOR_UNEXPECTED_TYPE); unknown extensions are ignored.
import { createHmac } from 'node:crypto';
import { concatBytes } from '@noble/hashes/utils.js';
import type { Authenticator } from './authenticator.ts';
import type { Params } from './cbor.ts';
import { CtapError, CtapStatus, ensure } from './status.ts';

export const MAX_CRED_BLOB = 32;

export enum CredProtect {
  UvOptional = 1,
  UvOptionalWithCredentialIdList = 2,
  UvRequired = 3,
}

/** The hmac-secret output for one credential: salts decrypted, HMAC-SHA-256(credRandom, salt) each, re-encrypted. */
export function hmacSecretOutput(auth: Authenticator, input: Params, credRandom: Uint8Array): Uint8Array {
  const protocol = auth.protocol(input.optUint(4) ?? 1);
  const shared = protocol.agree(input.mapOf(1));
  const saltEnc = input.bytes(2);
  const saltAuth = input.bytes(3);
  ensure(protocol.verify(shared.hmacKey, saltEnc, saltAuth), CtapStatus.PinAuthInvalid, 'saltAuth does not verify');
  const salts = shared.decrypt(saltEnc);
  if (!salts || (salts.length !== 32 && salts.length !== 64))
    throw new CtapError(CtapStatus.InvalidLength, 'salts are 32 or 64 bytes');
  const out = [salts.subarray(0, 32), salts.subarray(32)]
    .filter((s) => s.length === 32)
    .map((s) => new Uint8Array(createHmac('sha256', credRandom).update(s).digest()));
  return shared.encrypt(concatBytes(...out));
}

export interface MakeCredentialExtensions {
  credProtect?: CredProtect;
  hmacSecret: boolean;
  hmacSecretMc?: Params;
  credBlob?: Uint8Array;
  largeBlobKey: boolean;
  minPinLength: boolean;
}

export function parseMakeCredentialExtensions(ext: Params | undefined): MakeCredentialExtensions {
  const credProtect = ext?.optInt('credProtect');
  if (credProtect !== undefined)
    ensure(credProtect >= 1 && credProtect <= 3, CtapStatus.InvalidOption, 'credProtect is 1, 2 or 3');
  const largeBlobKey = ext?.optBool('largeBlobKey');
  // The spec: largeBlobKey, when present, must be true.
  if (largeBlobKey === false) throw new CtapError(CtapStatus.InvalidOption, 'largeBlobKey must be true');
  return {
    credProtect: credProtect as CredProtect | undefined,
    hmacSecret: ext?.optBool('hmac-secret') === true,
    hmacSecretMc: ext?.optMap('hmac-secret-mc'),
    credBlob: ext?.optBytes('credBlob'),
    largeBlobKey: largeBlobKey === true,
    minPinLength: ext?.optBool('minPinLength') === true,
  };
}

export interface GetAssertionExtensions {
  hmacSecret?: Params;
  credBlob: boolean;
  largeBlobKey: boolean;
}

export function parseGetAssertionExtensions(ext: Params | undefined): GetAssertionExtensions {
  const largeBlobKey = ext?.optBool('largeBlobKey');
  if (largeBlobKey === false) throw new CtapError(CtapStatus.InvalidOption, 'largeBlobKey must be true');
  return {
    hmacSecret: ext?.optMap('hmac-secret'),
    credBlob: ext?.optBool('credBlob') === true,
    largeBlobKey: largeBlobKey === true,
  };
}

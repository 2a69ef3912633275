// authenticatorGetInfo (0x04), CTAP 2.1 section 6.4: what this authenticator offers, as the original lists it,
// plus FIDO_2_1 (the full CTAP 2.1 set is implemented) and RS256.
import type { Authenticator } from '../authenticator.ts';
import { AAGUID, MAX_CREDENTIAL_COUNT_IN_LIST, MAX_CREDENTIAL_ID_LENGTH, MAX_MSG_SIZE } from '../limits.ts';
import { SUPPORTED_ALGS } from '../cose.ts';
import { MAX_CRED_BLOB } from '../extensions.ts';
import { Key, MAX_RESIDENT_CREDENTIALS } from '../store.ts';
import { allStored } from '../credentials.ts';
import { MAX_LARGE_BLOB_ARRAY } from './large-blobs.ts';

export async function getInfo(auth: Authenticator): Promise<Map<number, unknown>> {
  const pinSet = await auth.pinIsSet();
  const latest = await auth.store.latestBasis();
  const used = (await allStored(auth)).filter((c) => c.basis === latest).length;
  const options = new Map<string, unknown>([
    ['rk', true],
    ['up', true],
    ['alwaysUv', await auth.flag(Key.AlwaysUv)],
    ['credMgmt', true],
    ['authnrCfg', true],
    ['clientPin', pinSet],
    ['largeBlobs', true],
    ['pinUvAuthToken', true],
    ['setMinPINLength', true],
    ['makeCredUvNotRqd', true],
  ]);
  return new Map<number, unknown>([
    [0x01, ['U2F_V2', 'FIDO_2_0', 'FIDO_2_1_PRE', 'FIDO_2_1']],
    [0x02, ['credProtect', 'hmac-secret', 'hmac-secret-mc', 'largeBlobKey', 'credBlob', 'minPinLength']],
    [0x03, AAGUID],
    [0x04, options],
    [0x05, MAX_MSG_SIZE],
    [0x06, [2, 1]],
    [0x07, MAX_CREDENTIAL_COUNT_IN_LIST],
    [0x08, MAX_CREDENTIAL_ID_LENGTH],
    [0x09, ['usb']],
    [
      0x0a,
      SUPPORTED_ALGS.map(
        (alg) =>
          new Map<string, unknown>([
            ['alg', alg],
            ['type', 'public-key'],
          ]),
      ),
    ],
    [0x0b, MAX_LARGE_BLOB_ARRAY],
    [0x0c, await auth.flag(Key.ForcePinChange)],
    [0x0d, await auth.minPinLength()],
    [0x0e, 1],
    [0x0f, MAX_CRED_BLOB],
    [0x10, 8],
    [0x14, Math.max(0, MAX_RESIDENT_CREDENTIALS - used)],
  ]);
}

// authenticatorConfig (0x0D), CTAP 2.1 section 6.11: toggleAlwaysUv and setMinPINLength. Enterprise attestation
// is not offered.
import { concatBytes } from '@noble/hashes/utils.js';
import type { Authenticator } from '../authenticator.ts';
import { encodeCbor, type Params } from '../cbor.ts';
import { Permission } from '../pin-token.ts';
import { Key } from '../store.ts';
import { CtapError, CtapStatus, ensure } from '../status.ts';

export enum ConfigSubcommand {
  EnableEnterpriseAttestation = 1,
  ToggleAlwaysUv = 2,
  SetMinPinLength = 3,
}

export async function config(auth: Authenticator, p: Params): Promise<undefined> {
  const sub = p.int(1);
  const params = p.optMap(2);
  const version = p.optUint(3);
  const param = p.optBytes(4);
  ensure(sub >= 1 && sub <= 3, CtapStatus.InvalidSubcommand, 'unknown config subcommand');
  const pinSet = await auth.pinIsSet();
  if (param === undefined) {
    ensure(!pinSet && !(await auth.flag(Key.AlwaysUv)), CtapStatus.PuatRequired, 'config needs a pinUvAuthToken');
  } else {
    const message = concatBytes(
      new Uint8Array(32).fill(0xff),
      Uint8Array.of(0x0d, sub),
      params ? encodeCbor(params.map) : new Uint8Array(0),
    );
    auth.verifyToken(param, version, message, Permission.AuthenticatorConfig);
  }
  switch (sub) {
    case ConfigSubcommand.EnableEnterpriseAttestation:
      throw new CtapError(CtapStatus.InvalidParameter, 'enterprise attestation is not offered');
    case ConfigSubcommand.ToggleAlwaysUv:
      await auth.store.write(Key.AlwaysUv, Uint8Array.of((await auth.flag(Key.AlwaysUv)) ? 0 : 1));
      break;
    default: {
      const current = await auth.minPinLength();
      const wanted = params?.optUint(1) ?? current;
      const rpIds = params?.optArray(2);
      const force = params?.optBool(3) === true;
      ensure(wanted >= current && wanted <= 63, CtapStatus.PinPolicyViolation, 'the minimum PIN length only grows');
      ensure(
        rpIds === undefined || rpIds.every((r) => typeof r === 'string'),
        CtapStatus.CborUnexpectedType,
        'minPinLengthRPIDs are text',
      );
      ensure(rpIds === undefined || rpIds.length <= 8, CtapStatus.InvalidLength, 'at most 8 RP IDs');
      ensure(!force || pinSet, CtapStatus.PinNotSet, 'no PIN to change');
      await auth.store.write(Key.MinPinLength, Uint8Array.of(wanted));
      if (rpIds) await auth.store.write(Key.MinPinLengthRpIds, new TextEncoder().encode(JSON.stringify(rpIds)));
      const pin = await auth.pinHash();
      if (force || (pin && pin[0] < wanted)) await auth.store.write(Key.ForcePinChange, Uint8Array.of(1));
    }
  }
  await auth.store.sync();
  return undefined;
}

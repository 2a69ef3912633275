// authenticatorClientPIN (0x06), CTAP 2.1 section 6.5.5: getPINRetries, getKeyAgreement, setPIN, changePIN,
// getPinToken, getPinUvAuthTokenUsingPinWithPermissions. The retry counter is decremented and synced to the PDDB
// before the PIN is compared, so cutting power during a guess cannot win a retry back.
import { equalBytes } from '@noble/ciphers/utils.js';
import { concatBytes } from '@noble/hashes/utils.js';
import type { Authenticator } from '../authenticator.ts';
import { MAX_PIN_FAILURES_PER_BOOT, MAX_PIN_RETRIES } from '../limits.ts';
import type { Params } from '../cbor.ts';
import { pinHash, type PinProtocol, type SharedSecret } from '../pin-protocol.ts';
import { Permission } from '../pin-token.ts';
import { Key } from '../store.ts';
import { CtapError, CtapStatus, ensure } from '../status.ts';

export enum PinSubcommand {
  GetPinRetries = 1,
  GetKeyAgreement = 2,
  SetPin = 3,
  ChangePin = 4,
  GetPinToken = 5,
  GetPinUvAuthTokenUsingUvWithPermissions = 6,
  GetUvRetries = 7,
  GetPinUvAuthTokenUsingPinWithPermissions = 9,
}

/** PINs travel padded to 64 bytes; at most 63 bytes of PIN. */
const PADDED_PIN = 64;

export async function clientPin(auth: Authenticator, p: Params): Promise<Map<number, unknown> | undefined> {
  const version = p.optUint(1);
  const sub = p.int(2);
  switch (sub) {
    case PinSubcommand.GetPinRetries:
      return new Map<number, unknown>([
        [3, await auth.pinRetries()],
        [4, auth.pinFailuresThisBoot >= MAX_PIN_FAILURES_PER_BOOT],
      ]);
    case PinSubcommand.GetKeyAgreement:
      return new Map([[1, auth.protocol(version).publicKeyCose()]]);
    case PinSubcommand.SetPin:
      return setPin(auth, auth.protocol(version), p);
    case PinSubcommand.ChangePin:
      return changePin(auth, auth.protocol(version), p);
    case PinSubcommand.GetPinToken:
      return pinToken(auth, auth.protocol(version), p, Permission.MakeCredential | Permission.GetAssertion, undefined);
    case PinSubcommand.GetPinUvAuthTokenUsingPinWithPermissions: {
      const protocol = auth.protocol(version);
      const permissions = p.optUint(9);
      ensure(permissions !== undefined, CtapStatus.MissingParameter, 'permissions are missing');
      ensure(permissions !== 0, CtapStatus.InvalidParameter, 'no permission asked');
      const rpId = p.optText(0x0a);
      if (permissions & (Permission.MakeCredential | Permission.GetAssertion))
        ensure(rpId !== undefined, CtapStatus.MissingParameter, 'rpId is missing');
      ensure(!(permissions & Permission.BioEnrollment), CtapStatus.UnauthorizedPermission, 'no biometrics here');
      return pinToken(auth, protocol, p, permissions, rpId);
    }
    case PinSubcommand.GetPinUvAuthTokenUsingUvWithPermissions:
    case PinSubcommand.GetUvRetries:
      throw new CtapError(CtapStatus.InvalidSubcommand, 'no built-in user verification');
    default:
      throw new CtapError(CtapStatus.InvalidSubcommand, 'unknown clientPIN subcommand');
  }
}

async function setPin(auth: Authenticator, protocol: PinProtocol, p: Params): Promise<undefined> {
  const keyAgreement = p.mapOf(3);
  const param = p.bytes(4);
  const newPinEnc = p.bytes(5);
  ensure(!(await auth.pinIsSet()), CtapStatus.NotAllowed, 'a PIN is set: use changePIN');
  const shared = protocol.agree(keyAgreement);
  ensure(
    protocol.verify(shared.hmacKey, newPinEnc, param),
    CtapStatus.PinAuthInvalid,
    'pinUvAuthParam does not verify',
  );
  await storeNewPin(auth, shared, newPinEnc);
  return undefined;
}

async function changePin(auth: Authenticator, protocol: PinProtocol, p: Params): Promise<undefined> {
  const keyAgreement = p.mapOf(3);
  const param = p.bytes(4);
  const newPinEnc = p.bytes(5);
  const pinHashEnc = p.bytes(6);
  ensure(await auth.pinIsSet(), CtapStatus.PinNotSet, 'no PIN to change');
  ensure((await auth.pinRetries()) > 0, CtapStatus.PinBlocked, 'the PIN is blocked');
  const shared = protocol.agree(keyAgreement);
  ensure(
    protocol.verify(shared.hmacKey, concatBytes(newPinEnc, pinHashEnc), param),
    CtapStatus.PinAuthInvalid,
    'pinUvAuthParam does not verify',
  );
  await checkPin(auth, protocol, shared, pinHashEnc);
  await storeNewPin(auth, shared, newPinEnc);
  return undefined;
}

async function pinToken(
  auth: Authenticator,
  protocol: PinProtocol,
  p: Params,
  permissions: number,
  rpId: string | undefined,
) {
  const keyAgreement = p.mapOf(3);
  const pinHashEnc = p.bytes(6);
  ensure(await auth.pinIsSet(), CtapStatus.PinNotSet, 'no PIN is set');
  const shared = protocol.agree(keyAgreement);
  await checkPin(auth, protocol, shared, pinHashEnc);
  ensure(!(await auth.flag(Key.ForcePinChange)), CtapStatus.PinPolicyViolation, 'the PIN must be changed first');
  return new Map([[2, shared.encrypt(auth.token.grant(permissions, rpId))]]);
}

/** One PIN guess: retries down and durable first, then the comparison (CTAP 2.1 6.5.5.5 / 6.5.5.7). */
async function checkPin(
  auth: Authenticator,
  protocol: PinProtocol,
  shared: SharedSecret,
  pinHashEnc: Uint8Array,
): Promise<void> {
  const retries = await auth.pinRetries();
  ensure(retries > 0, CtapStatus.PinBlocked, 'the PIN is blocked');
  ensure(
    auth.pinFailuresThisBoot < MAX_PIN_FAILURES_PER_BOOT,
    CtapStatus.PinAuthBlocked,
    'power-cycle the authenticator',
  );
  await auth.setPinRetries(retries - 1);
  await auth.store.sync();
  const stored = (await auth.pinHash())!;
  const guess = shared.decrypt(pinHashEnc);
  if (!guess || guess.length !== 16 || !equalBytes(guess, stored.subarray(1))) {
    protocol.regenerate();
    auth.pinFailuresThisBoot += 1;
    if (retries - 1 === 0) throw new CtapError(CtapStatus.PinBlocked, 'the PIN is now blocked');
    if (auth.pinFailuresThisBoot >= MAX_PIN_FAILURES_PER_BOOT)
      throw new CtapError(CtapStatus.PinAuthBlocked, 'power-cycle the authenticator');
    throw new CtapError(CtapStatus.PinInvalid, 'wrong PIN');
  }
  auth.pinFailuresThisBoot = 0;
  await auth.setPinRetries(MAX_PIN_RETRIES);
  await auth.store.sync();
}

async function storeNewPin(auth: Authenticator, shared: SharedSecret, newPinEnc: Uint8Array): Promise<void> {
  const padded = shared.decrypt(newPinEnc);
  ensure(padded && padded.length === PADDED_PIN, CtapStatus.PinPolicyViolation, 'newPinEnc is not a padded PIN');
  const end = padded.indexOf(0);
  const pin = padded.subarray(0, end < 0 ? PADDED_PIN : end);
  ensure(
    end >= 0 && padded.subarray(end).every((b) => b === 0),
    CtapStatus.PinPolicyViolation,
    'the PIN is over 63 bytes',
  );
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(pin);
  } catch {
    throw new CtapError(CtapStatus.PinPolicyViolation, 'the PIN is not UTF-8');
  }
  const codePoints = [...text].length;
  ensure(codePoints >= (await auth.minPinLength()), CtapStatus.PinPolicyViolation, 'the PIN is too short');
  const hash = pinHash(pin);
  const old = await auth.pinHash();
  if (old && (await auth.flag(Key.ForcePinChange)))
    ensure(!equalBytes(old.subarray(1), hash), CtapStatus.PinPolicyViolation, 'the new PIN must differ');
  await auth.store.write(Key.PinHash, concatBytes(Uint8Array.of(codePoints), hash));
  await auth.setPinRetries(MAX_PIN_RETRIES);
  await auth.store.remove(Key.ForcePinChange);
  auth.token.revoke();
  await auth.store.sync();
}

// How the client verifies the user: with the PIN it was configured with, through a pinUvAuthToken for this RP and
// ceremony. Required UV without a PIN to use is refused (a browser would prompt; a test client cannot).
import { domError } from './dom-error.ts';
import type { Permission, Agreement, CtapPlatform } from './ctap-platform.ts';
import type { UserVerification } from './options-json.ts';

export async function verifyUser(
  platform: CtapPlatform,
  requirement: UserVerification,
  pin: string | undefined,
  skip: boolean,
  permission: Permission,
  rpId: string,
): Promise<(Agreement & { token: Uint8Array }) | undefined> {
  if (skip || requirement === 'discouraged') return undefined;
  let info = await platform.info();
  if (!info.options.clientPin && pin !== undefined) info = await platform.info(true); // a PIN may have been set since
  if (info.options.clientPin && pin !== undefined) return platform.pinToken(pin, permission, rpId);
  if (requirement === 'required') {
    throw domError(
      'NotAllowedError',
      info.options.clientPin
        ? 'user verification is required and the client has no PIN'
        : 'user verification is required and the authenticator has no PIN set',
    );
  }
  return undefined;
}

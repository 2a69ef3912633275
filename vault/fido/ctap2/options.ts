// Shared request pieces of makeCredential and getAssertion: the options map, credential descriptor lists, and the
// pinUvAuthParam steps both commands run (CTAP 2.1 sections 6.1.2 and 6.2.2, steps 1-2 and the token check).
import type { Authenticator } from '../authenticator.ts';
import type { Params } from '../cbor.ts';
import { CtapError, CtapStatus, ensure } from '../status.ts';
import { MAX_CREDENTIAL_COUNT_IN_LIST } from '../limits.ts';

export interface Options {
  rk?: boolean;
  up?: boolean;
  uv?: boolean;
}

export function parseOptions(p: Params | undefined): Options {
  return { rk: p?.optBool('rk'), up: p?.optBool('up'), uv: p?.optBool('uv') };
}

/**
 * PublicKeyCredentialDescriptors: each a map with type (text) and id (bytes); other types are skipped. A list longer
 * than getInfo's maxCredentialCountInList is LIMIT_EXCEEDED (the platform should have split it, as Chromium does).
 */
export function credentialIds(list: Params[] | undefined): Uint8Array[] {
  ensure(
    (list?.length ?? 0) <= MAX_CREDENTIAL_COUNT_IN_LIST,
    CtapStatus.LimitExceeded,
    'credential list over maxCredentialCountInList',
  );
  const out: Uint8Array[] = [];
  for (const d of list ?? []) {
    const type = d.text('type');
    const id = d.bytes('id');
    if (type === 'public-key') out.push(id);
  }
  return out;
}

/**
 * An empty pinUvAuthParam is a platform asking the user to touch the authenticator it should use (CTAP 2.1
 * 6.1.2 step 1): after presence, PIN_NOT_SET or PIN_INVALID, whichever says whether a PIN exists.
 */
export async function answerEmptyPinAuth(
  auth: Authenticator,
  param: Uint8Array | undefined,
  version: number | undefined,
  rp: string,
): Promise<void> {
  if (param === undefined || param.length > 0) return;
  auth.protocol(version);
  await auth.requirePresence('select', rp);
  throw new CtapError((await auth.pinIsSet()) ? CtapStatus.PinInvalid : CtapStatus.PinNotSet, 'authenticator selected');
}

/** Built-in UV is not offered (UV is through the PIN protocols): a request for it is refused as the spec says. */
export function refuseBuiltInUv(opts: Options): void {
  ensure(opts.uv !== true, CtapStatus.InvalidOption, 'no built-in user verification');
}

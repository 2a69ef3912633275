// navigator.credentials.get(): request options JSON in, AuthenticationResponseJSON out. The browser's part: origin
// and RP ID, clientDataJSON, allowCredentials, user verification with the PIN, prf through hmac-secret. With several
// discoverable credentials the first one the authenticator returns is used (a browser would ask which).
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { CtapCommand } from '../../vault/fido/ctap2/commands.ts';
import { CounterOverride } from '../../vault/fido/ctap2/negative-testing.ts';
import { CtapError, CtapStatus } from '../../vault/fido/status.ts';
import { clientData } from './client-data.ts';
import { Permission, type Agreement, type CtapPlatform } from './ctap-platform.ts';
import { domError } from './dom-error.ts';
import { effectiveRpId } from './origin.ts';
import { object, parseRequestOptions } from './options-json.ts';
import { parseAuthData } from './auth-data.ts';
import { descriptorList, fitList } from './credential-lists.ts';
import { hmacSecretInput, prfInputs, prfResults } from './prf.ts';
import type { CeremonyContext } from './registration.ts';
import { verifyUser } from './user-verification.ts';

const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');

export async function getAssertion(
  platform: CtapPlatform,
  optionsJSON: unknown,
  ctx: CeremonyContext,
): Promise<AuthenticationResponseJSON> {
  const o = parseRequestOptions(optionsJSON);
  const rpId = effectiveRpId(ctx.origin, o.rpId);
  const cd = clientData('webauthn.get', o.challenge, ctx.origin);
  const x = o.extensions;
  if (x.largeBlob !== undefined) {
    object(x.largeBlob, 'extensions.largeBlob');
    throw domError('NotSupportedError', 'largeBlob read and write are not implemented by this client');
  }

  const uv = await verifyUser(
    platform,
    o.userVerification,
    ctx.pin,
    ctx.switches.clearUv === true,
    Permission.GetAssertion,
    rpId,
  );
  const params = new Map<number, unknown>([
    [1, rpId],
    [2, cd.hash],
  ]);
  const allow = o.allowCredentials.length > 0 ? await fitList(platform, rpId, o.allowCredentials) : [];
  if (o.allowCredentials.length > 0 && allow.length === 0)
    throw domError('NotAllowedError', 'the authenticator holds none of allowCredentials');
  if (allow.length > 0) params.set(3, descriptorList(allow));
  let prfAgreement: Agreement | undefined;
  if (x.prf !== undefined) {
    const inputs = prfInputs(x.prf, allow.length === 1 ? allow[0] : undefined);
    const info = await platform.info();
    if (inputs && info.extensions.includes('hmac-secret')) {
      prfAgreement = uv ?? (await platform.agree());
      params.set(4, new Map([['hmac-secret', hmacSecretInput(prfAgreement, inputs)]]));
    }
  }
  if (ctx.switches.clearUp) params.set(5, new Map([['up', false]]));
  if (uv) {
    params.set(6, uv.protocol.authenticate(uv.token, cd.hash));
    params.set(7, uv.protocol.version);
  }
  if (ctx.switches.replayCounter || ctx.switches.rollbackCounter)
    await overrideCounter(platform, ctx.switches.replayCounter ? CounterOverride.Replay : CounterOverride.Rollback);
  const r = await platform.call(CtapCommand.GetAssertion, params);

  const authData = r.get(2) as Uint8Array;
  const signature = new Uint8Array(r.get(3) as Uint8Array);
  if (ctx.switches.corruptSignature) signature[signature.length - 1] ^= 0x01;
  const cred = r.get(1) as Map<string, unknown> | undefined;
  const credId = (cred?.get('id') as Uint8Array | undefined) ?? (allow.length === 1 ? allow[0] : undefined);
  if (!credId) throw domError('UnknownError', 'the authenticator did not say which credential signed');
  const user = r.get(4) as Map<string, unknown> | undefined;

  const results: Record<string, unknown> = {};
  if (x.prf !== undefined) {
    const out = parseAuthData(authData).extensions?.get('hmac-secret');
    const res = prfAgreement && out instanceof Uint8Array ? prfResults(prfAgreement, out) : undefined;
    results.prf = res ? { results: res } : {};
  }
  const id = b64u(credId);
  return {
    id,
    rawId: id,
    type: 'public-key',
    authenticatorAttachment: 'cross-platform',
    clientExtensionResults: results,
    response: {
      clientDataJSON: b64u(cd.json),
      authenticatorData: b64u(authData),
      signature: b64u(signature),
      ...(user?.get('id') instanceof Uint8Array ? { userHandle: b64u(user.get('id') as Uint8Array) } : {}),
    },
  };
}

/** The replay/rollback switches: the authenticator's negative-testing command, refused unless it was started with it. */
async function overrideCounter(platform: CtapPlatform, kind: CounterOverride): Promise<void> {
  try {
    await platform.call(CtapCommand.NegativeTesting, new Map([[1, kind]]));
  } catch (e) {
    if (e instanceof CtapError && e.status === CtapStatus.InvalidCommand) {
      throw domError('NotSupportedError', 'the authenticator was not started with negative testing (counter switches)');
    }
    throw e;
  }
}

// navigator.credentials.create(): creation options JSON in, RegistrationResponseJSON out, as @simplewebauthn/server
// consumes it. The browser's part: origin and RP ID checks, clientDataJSON, user verification with the PIN,
// attestation conveyance (a "none" request gets fmt none and a zero AAGUID), and the client side of credProps,
// prf (hmac-secret), largeBlob (largeBlobKey) and credProtect.
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { encode } from 'cborg';
import { CtapCommand } from '../../vault/fido/ctap2/commands.ts';
import { clientData } from './client-data.ts';
import { Permission, type CtapPlatform } from './ctap-platform.ts';
import { domError } from './dom-error.ts';
import { effectiveRpId } from './origin.ts';
import { object, parseCreationOptions } from './options-json.ts';
import { AT, parseAuthData, UP } from './auth-data.ts';
import { descriptorList, fitList } from './credential-lists.ts';
import { coseToSpki } from './public-key.ts';
import type { NegativeSwitches } from './switches.ts';
import { verifyUser } from './user-verification.ts';

const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');
/** What Chromium sends for rp.name, user.name and user.displayName: at most 64 bytes. */
const NAME_MAX = 64;
const CRED_PROTECT = {
  userVerificationOptional: 1,
  userVerificationOptionalWithCredentialIDList: 2,
  userVerificationRequired: 3,
} as const;

export interface CeremonyContext {
  origin: string;
  pin?: string;
  switches: NegativeSwitches;
}

export async function createCredential(
  platform: CtapPlatform,
  optionsJSON: unknown,
  ctx: CeremonyContext,
): Promise<RegistrationResponseJSON> {
  const o = parseCreationOptions(optionsJSON);
  const rpId = effectiveRpId(ctx.origin, o.rp.id);
  if (o.algorithms.length === 0) throw domError('NotSupportedError', 'pubKeyCredParams names no public-key algorithm');
  const cd = clientData('webauthn.create', o.challenge, ctx.origin);
  const info = await platform.info();

  const rk = o.residentKey === 'required' || (o.residentKey === 'preferred' && info.options.rk === true);
  if (o.residentKey === 'required' && !info.options.rk)
    throw domError('ConstraintError', 'the authenticator cannot store discoverable credentials');

  const ext = new Map<string, unknown>();
  const results: Record<string, unknown> = {};
  const x = o.extensions;
  if (x.credentialProtectionPolicy !== undefined) {
    const policy = CRED_PROTECT[x.credentialProtectionPolicy as keyof typeof CRED_PROTECT];
    if (policy === undefined) throw new TypeError('credentialProtectionPolicy is not a known policy');
    if (!info.extensions.includes('credProtect')) {
      if (x.enforceCredentialProtectionPolicy === true && policy > 1)
        throw domError('NotAllowedError', 'the authenticator cannot protect the credential');
    } else ext.set('credProtect', policy);
  }
  const wantsPrf = x.prf !== undefined || x.hmacCreateSecret === true;
  if (x.prf !== undefined) object(x.prf, 'extensions.prf');
  if (wantsPrf && info.extensions.includes('hmac-secret')) ext.set('hmac-secret', true);
  let largeBlob: 'required' | 'preferred' | undefined;
  if (x.largeBlob !== undefined) {
    const lb = object(x.largeBlob, 'extensions.largeBlob');
    if (lb.read !== undefined || lb.write !== undefined)
      throw domError('NotSupportedError', 'largeBlob read/write belong to get()');
    largeBlob = lb.support === 'required' ? 'required' : 'preferred';
    if (largeBlob === 'required' && !rk)
      throw domError('NotSupportedError', 'largeBlob needs a discoverable credential');
    if (info.extensions.includes('largeBlobKey') && rk) ext.set('largeBlobKey', true);
    else if (largeBlob === 'required')
      throw domError('NotSupportedError', 'the authenticator has no large-blob storage');
  }

  const uv = await verifyUser(
    platform,
    o.userVerification,
    ctx.pin,
    ctx.switches.clearUv === true,
    Permission.MakeCredential,
    rpId,
  );
  const params = new Map<number, unknown>([
    [1, cd.hash],
    [
      2,
      new Map([
        ['id', rpId],
        ['name', clip(o.rp.name)],
      ]),
    ],
    [
      3,
      new Map<string, unknown>([
        ['id', o.user.id],
        ['name', clip(o.user.name)],
        ['displayName', clip(o.user.displayName)],
      ]),
    ],
    [
      4,
      o.algorithms.map(
        (alg) =>
          new Map<string, unknown>([
            ['alg', alg],
            ['type', 'public-key'],
          ]),
      ),
    ],
  ]);
  const exclude = o.excludeCredentials.length > 0 ? await fitList(platform, rpId, o.excludeCredentials) : [];
  if (exclude.length > 0) params.set(5, descriptorList(exclude));
  if (ext.size > 0) params.set(6, ext);
  if (rk) params.set(7, new Map([['rk', true]]));
  if (uv) {
    params.set(8, uv.protocol.authenticate(uv.token, cd.hash));
    params.set(9, uv.protocol.version);
  }
  const r = await platform.call(CtapCommand.MakeCredential, params);

  let fmt = r.get(1) as string;
  let attStmt = r.get(3) as Map<unknown, unknown>;
  const authData = new Uint8Array(r.get(2) as Uint8Array);
  if (o.attestation === 'none' && fmt !== 'none') {
    fmt = 'none';
    attStmt = new Map();
    authData.fill(0, 37, 53); // the AAGUID would tell the RP the authenticator's model
  }
  if (ctx.switches.clearUp) authData[32] &= ~UP;
  const parsed = parseAuthData(authData);
  if (!(parsed.flags & AT) || !parsed.credentialId || !parsed.publicKey)
    throw domError('UnknownError', 'the authenticator returned no credential');

  if (x.credProps === true) results.credProps = { rk };
  if (x.prf !== undefined) results.prf = { enabled: parsed.extensions?.get('hmac-secret') === true };
  if (x.hmacCreateSecret === true) results.hmacCreateSecret = parsed.extensions?.get('hmac-secret') === true;
  if (largeBlob) results.largeBlob = { supported: r.get(5) instanceof Uint8Array };

  const attestationObject = encode(
    new Map<string, unknown>([
      ['fmt', fmt],
      ['attStmt', attStmt],
      ['authData', authData],
    ]),
  );
  const spki = coseToSpki(parsed.publicKey);
  const id = b64u(parsed.credentialId);
  return {
    id,
    rawId: id,
    type: 'public-key',
    authenticatorAttachment: 'cross-platform',
    clientExtensionResults: results,
    response: {
      clientDataJSON: b64u(cd.json),
      attestationObject: b64u(attestationObject),
      authenticatorData: b64u(authData),
      transports: ['usb'],
      publicKeyAlgorithm: parsed.publicKey.get(3) as number,
      ...(spki ? { publicKey: b64u(spki) } : {}),
    },
  };
}

function clip(s: string): string {
  const bytes = new TextEncoder().encode(s);
  if (bytes.length <= NAME_MAX) return s;
  return new TextDecoder().decode(bytes.subarray(0, NAME_MAX)).replace(/\uFFFD+$/, '');
}

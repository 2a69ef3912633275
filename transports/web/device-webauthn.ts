// The WebAuthn client role in process, for the demo relying party and `pvault demo` while the browser bridge is
// not there: what a browser does with navigator.credentials.create/get, done against the device's FIDO server
// (clientDataJSON with the page's origin, CTAP2 makeCredential/getAssertion, the response JSON an RP verifies).
// Only what the demo needs: ES256/EdDSA/RS256 as the RP asks, no extensions, no PIN/UV.
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { encodeCbor } from '../../vault/fido/cbor.ts';
import { CtapCommand } from '../../vault/fido/ctap2/commands.ts';
import { sha256 } from '../../vault/fido/hash.ts';
import type { FidoClient } from '../../vault/fido/api.ts';
import { CtapHost } from '../../vault/fido/host.ts';

const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const unb64u = (s: string) => new Uint8Array(Buffer.from(s, 'base64url'));

/** authData: rpIdHash(32) flags(1) signCount(4) aaguid(16) credIdLen(2) credId... */
const CRED_ID_AT = 55;

export class DeviceWebAuthn {
  private readonly host: CtapHost;

  constructor(fido: FidoClient) {
    this.host = new CtapHost(fido);
  }

  async create(o: PublicKeyCredentialCreationOptionsJSON, origin: string): Promise<RegistrationResponseJSON> {
    const clientDataJSON = clientData('webauthn.create', o.challenge, origin);
    // 'preferred' gets a discoverable credential, as browsers do when the authenticator has room.
    const sel = o.authenticatorSelection;
    const rk = sel?.residentKey === 'required' || sel?.residentKey === 'preferred' || sel?.requireResidentKey === true;
    const params = new Map<number, unknown>([
      [1, sha256(clientDataJSON)],
      [2, new Map([['id', o.rp.id ?? new URL(origin).hostname], ['name', o.rp.name]])],
      [3, new Map<string, unknown>([['id', unb64u(o.user.id)], ['name', o.user.name], ['displayName', o.user.displayName]])],
      [4, o.pubKeyCredParams.map((p) => new Map<string, unknown>([['alg', p.alg], ['type', 'public-key']]))],
    ]);
    if (o.excludeCredentials?.length) params.set(5, o.excludeCredentials.map((c) => new Map<string, unknown>([['id', unb64u(c.id)], ['type', 'public-key']])));
    if (rk) params.set(7, new Map([['rk', true]]));
    const r = (await this.host.call(CtapCommand.MakeCredential, params))!;
    const authData = r.get(2) as Uint8Array;
    const idLen = (authData[CRED_ID_AT - 2] << 8) | authData[CRED_ID_AT - 1];
    const id = b64u(authData.subarray(CRED_ID_AT, CRED_ID_AT + idLen));
    const attestationObject = encodeCbor(new Map<string, unknown>([['fmt', r.get(1)], ['attStmt', r.get(3)], ['authData', authData]]));
    return {
      id,
      rawId: id,
      type: 'public-key',
      clientExtensionResults: {},
      authenticatorAttachment: 'cross-platform',
      response: { clientDataJSON: b64u(clientDataJSON), attestationObject: b64u(attestationObject), transports: ['usb'] },
    };
  }

  async get(o: PublicKeyCredentialRequestOptionsJSON, origin: string): Promise<AuthenticationResponseJSON> {
    const clientDataJSON = clientData('webauthn.get', o.challenge, origin);
    const params = new Map<number, unknown>([
      [1, o.rpId ?? new URL(origin).hostname],
      [2, sha256(clientDataJSON)],
    ]);
    if (o.allowCredentials?.length) params.set(3, o.allowCredentials.map((c) => new Map<string, unknown>([['id', unb64u(c.id)], ['type', 'public-key']])));
    const r = (await this.host.call(CtapCommand.GetAssertion, params))!;
    const id = b64u((r.get(1) as Map<string, unknown>).get('id') as Uint8Array);
    const user = r.get(4) as Map<string, unknown> | undefined;
    const userHandle = user?.get('id') as Uint8Array | undefined;
    return {
      id,
      rawId: id,
      type: 'public-key',
      clientExtensionResults: {},
      authenticatorAttachment: 'cross-platform',
      response: {
        clientDataJSON: b64u(clientDataJSON),
        authenticatorData: b64u(r.get(2) as Uint8Array),
        signature: b64u(r.get(3) as Uint8Array),
        userHandle: userHandle ? b64u(userHandle) : undefined,
      },
    };
  }
}

function clientData(type: string, challenge: string, origin: string): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
}

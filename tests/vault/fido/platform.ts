// The platform side for tests: what a browser or python-fido2 does in front of the authenticator. CTAP calls as
// bytes through the FIDO client, WebAuthn JSON built for @simplewebauthn/server, and the PIN protocols written
// independently of vault/fido (node:crypto directly), so a mistake on one side cannot hide in both.
import {
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
} from 'node:crypto';
import { decode, encode } from 'cborg';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { FidoClient } from '../../../vault/fido/api.ts';

export const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');
export const sha256 = (d: Uint8Array | string) => new Uint8Array(createHash('sha256').update(d).digest());

export interface CtapReply {
  status: number;
  body?: Map<unknown, unknown>;
}

export async function ctap(fido: FidoClient, cmd: number, params?: Map<unknown, unknown>): Promise<CtapReply> {
  const msg = params ? Buffer.concat([Buffer.from([cmd]), encode(params)]) : Buffer.from([cmd]);
  return parseReply(await fido.cbor(new Uint8Array(msg)));
}

export function parseReply(r: Uint8Array): CtapReply {
  if (r.length === 1) return { status: r[0] };
  const body = decode(r.subarray(1), { useMaps: true }) as Map<unknown, unknown>;
  // Clients check canonical CBOR byte for byte: so do we.
  if (!Buffer.from(encode(body)).equals(Buffer.from(r.subarray(1)))) throw new Error('non-canonical response');
  return { status: r[0], body };
}

export interface RegisterOptions {
  rpId?: string;
  origin?: string;
  challenge?: string;
  userId?: Uint8Array;
  userName?: string;
  algs?: number[];
  rk?: boolean;
  up?: boolean;
  extensions?: Map<string, unknown>;
  excludeList?: Uint8Array[];
  pin?: PinSession;
  formats?: string[];
}

export const RP = 'example.com';
export const ORIGIN = 'https://example.com';

function clientData(type: string, challenge: string, origin: string): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
}

export function makeCredentialParams(o: RegisterOptions, cdh: Uint8Array): Map<number, unknown> {
  const rpId = o.rpId ?? RP;
  const m = new Map<number, unknown>([
    [1, cdh],
    [
      2,
      new Map([
        ['id', rpId],
        ['name', 'Example'],
      ]),
    ],
    [
      3,
      new Map<string, unknown>([
        ['id', o.userId ?? new Uint8Array([1, 2, 3, 4])],
        ['name', o.userName ?? 'alice'],
        ['displayName', 'Alice'],
      ]),
    ],
    [
      4,
      (o.algs ?? [-7]).map(
        (alg) =>
          new Map<string, unknown>([
            ['alg', alg],
            ['type', 'public-key'],
          ]),
      ),
    ],
  ]);
  if (o.excludeList)
    m.set(
      5,
      o.excludeList.map(
        (id) =>
          new Map<string, unknown>([
            ['id', id],
            ['type', 'public-key'],
          ]),
      ),
    );
  if (o.extensions) m.set(6, o.extensions);
  const opts = new Map<string, boolean>();
  if (o.rk !== undefined) opts.set('rk', o.rk);
  if (o.up !== undefined) opts.set('up', o.up);
  if (opts.size > 0) m.set(7, opts);
  if (o.pin) {
    m.set(8, o.pin.authenticate(cdh));
    m.set(9, o.pin.version);
  }
  if (o.formats) m.set(0x0b, o.formats);
  return m;
}

/** navigator.credentials.create, reduced: returns the RegistrationResponseJSON (or the CTAP status on failure). */
type Failed = { ok: false; status: number; challenge: string };
export type Registration =
  | Failed
  | {
      ok: true;
      status: 0;
      challenge: string;
      body: Map<unknown, unknown>;
      id: Uint8Array;
      json: RegistrationResponseJSON;
    };
export type Assertion =
  | Failed
  | { ok: true; status: 0; challenge: string; body: Map<unknown, unknown>; json: AuthenticationResponseJSON };

export async function register(fido: FidoClient, o: RegisterOptions = {}): Promise<Registration> {
  const challenge = o.challenge ?? b64u(randomBytes(32));
  const cdj = clientData('webauthn.create', challenge, o.origin ?? ORIGIN);
  const r = await ctap(fido, 0x01, makeCredentialParams(o, sha256(cdj)));
  if (r.status !== 0) return { ok: false, status: r.status, challenge };
  const attObj = encode(
    new Map<string, unknown>([
      ['fmt', r.body!.get(1)],
      ['attStmt', r.body!.get(3)],
      ['authData', r.body!.get(2)],
    ]),
  );
  const authData = r.body!.get(2) as Uint8Array;
  const idLen = (authData[53] << 8) | authData[54];
  const id = authData.subarray(55, 55 + idLen);
  return {
    ok: true,
    status: 0,
    challenge,
    body: r.body!,
    id: new Uint8Array(id),
    json: {
      id: b64u(id),
      rawId: b64u(id),
      type: 'public-key',
      clientExtensionResults: {},
      response: { clientDataJSON: b64u(cdj), attestationObject: b64u(attObj), transports: ['usb'] },
    },
  };
}

export interface AuthenticateOptions {
  rpId?: string;
  origin?: string;
  challenge?: string;
  allow?: Uint8Array[];
  up?: boolean;
  extensions?: Map<string, unknown>;
  pin?: PinSession;
}

export async function authenticate(fido: FidoClient, o: AuthenticateOptions = {}): Promise<Assertion> {
  const challenge = o.challenge ?? b64u(randomBytes(32));
  const cdj = clientData('webauthn.get', challenge, o.origin ?? ORIGIN);
  const cdh = sha256(cdj);
  const m = new Map<number, unknown>([
    [1, o.rpId ?? RP],
    [2, cdh],
  ]);
  if (o.allow)
    m.set(
      3,
      o.allow.map(
        (id) =>
          new Map<string, unknown>([
            ['id', id],
            ['type', 'public-key'],
          ]),
      ),
    );
  if (o.extensions) m.set(4, o.extensions);
  if (o.up !== undefined) m.set(5, new Map([['up', o.up]]));
  if (o.pin) {
    m.set(6, o.pin.authenticate(cdh));
    m.set(7, o.pin.version);
  }
  const r = await ctap(fido, 0x02, m);
  return assertionJson(r, cdj, challenge);
}

export function assertionJson(r: CtapReply, cdj: Uint8Array, challenge: string): Assertion {
  if (r.status !== 0) return { ok: false, status: r.status, challenge };
  const cred = r.body!.get(1) as Map<string, unknown>;
  const id = cred.get('id') as Uint8Array;
  const user = r.body!.get(4) as Map<string, unknown> | undefined;
  return {
    ok: true,
    status: 0,
    challenge,
    body: r.body!,
    json: {
      id: b64u(id),
      rawId: b64u(id),
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64u(cdj),
        authenticatorData: b64u(r.body!.get(2) as Uint8Array),
        signature: b64u(r.body!.get(3) as Uint8Array),
        userHandle: user ? b64u(user.get('id') as Uint8Array) : undefined,
      },
    },
  };
}

/** A platform's PIN/UV protocol state: its ECDH key, the shared secret, and the pinUvAuthToken once obtained. */
export class PinSession {
  token?: Uint8Array;
  private hmacKey!: Uint8Array;
  private aesKey!: Uint8Array;
  platformKey!: Map<number, unknown>;

  constructor(
    private readonly fido: FidoClient,
    readonly version: 1 | 2,
  ) {}

  async agree(): Promise<void> {
    const r = await ctap(
      this.fido,
      0x06,
      new Map([
        [1, this.version],
        [2, 2],
      ]),
    );
    if (r.status !== 0) throw new Error(`getKeyAgreement: ${r.status}`);
    const cose = r.body!.get(1) as Map<number, Uint8Array>;
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const z = ecdh.computeSecret(Buffer.concat([Buffer.from([4]), cose.get(-2)!, cose.get(-3)!]));
    const pub = ecdh.getPublicKey();
    this.platformKey = new Map<number, unknown>([
      [1, 2],
      [3, -25],
      [-1, 1],
      [-2, pub.subarray(1, 33)],
      [-3, pub.subarray(33)],
    ]);
    if (this.version === 1) {
      this.hmacKey = this.aesKey = sha256(z);
    } else {
      this.hmacKey = new Uint8Array(hkdfSync('sha256', z, new Uint8Array(32), 'CTAP2 HMAC key', 32));
      this.aesKey = new Uint8Array(hkdfSync('sha256', z, new Uint8Array(32), 'CTAP2 AES key', 32));
    }
  }

  encrypt(plain: Uint8Array): Uint8Array {
    const iv = this.version === 1 ? Buffer.alloc(16) : randomBytes(16);
    const c = createCipheriv('aes-256-cbc', this.aesKey, iv).setAutoPadding(false);
    const body = Buffer.concat([c.update(plain), c.final()]);
    return new Uint8Array(this.version === 1 ? body : Buffer.concat([iv, body]));
  }

  decrypt(cipher: Uint8Array): Uint8Array {
    const iv = this.version === 1 ? Buffer.alloc(16) : cipher.subarray(0, 16);
    const body = this.version === 1 ? cipher : cipher.subarray(16);
    const d = createDecipheriv('aes-256-cbc', this.aesKey, iv).setAutoPadding(false);
    return new Uint8Array(Buffer.concat([d.update(body), d.final()]));
  }

  mac(key: Uint8Array, msg: Uint8Array): Uint8Array {
    const full = new Uint8Array(createHmac('sha256', key).update(msg).digest());
    return this.version === 1 ? full.subarray(0, 16) : full;
  }

  /** pinUvAuthParam over `msg` with the token. */
  authenticate(msg: Uint8Array): Uint8Array {
    if (!this.token) throw new Error('no token');
    return this.mac(this.token, msg);
  }

  static padPin(pin: string): Uint8Array {
    const out = new Uint8Array(64);
    out.set(new TextEncoder().encode(pin));
    return out;
  }

  async setPin(pin: string): Promise<number> {
    await this.agree();
    const newPinEnc = this.encrypt(PinSession.padPin(pin));
    const r = await ctap(
      this.fido,
      0x06,
      new Map<number, unknown>([
        [1, this.version],
        [2, 3],
        [3, this.platformKey],
        [4, this.mac(this.hmacKey, newPinEnc)],
        [5, newPinEnc],
      ]),
    );
    return r.status;
  }

  async changePin(oldPin: string, pin: string): Promise<number> {
    await this.agree();
    const newPinEnc = this.encrypt(PinSession.padPin(pin));
    const pinHashEnc = this.encrypt(sha256(oldPin).subarray(0, 16));
    const param = this.mac(this.hmacKey, Buffer.concat([newPinEnc, pinHashEnc]));
    const r = await ctap(
      this.fido,
      0x06,
      new Map<number, unknown>([
        [1, this.version],
        [2, 4],
        [3, this.platformKey],
        [4, param],
        [5, newPinEnc],
        [6, pinHashEnc],
      ]),
    );
    return r.status;
  }

  /** getPinToken (no permissions) or getPinUvAuthTokenUsingPinWithPermissions. */
  async getToken(pin: string, permissions?: number, rpId?: string): Promise<number> {
    await this.agree();
    const m = new Map<number, unknown>([
      [1, this.version],
      [2, permissions === undefined ? 5 : 9],
      [3, this.platformKey],
      [6, this.encrypt(sha256(pin).subarray(0, 16))],
    ]);
    if (permissions !== undefined) m.set(9, permissions);
    if (rpId !== undefined) m.set(0x0a, rpId);
    const r = await ctap(this.fido, 0x06, m);
    if (r.status === 0) this.token = this.decrypt(r.body!.get(2) as Uint8Array);
    return r.status;
  }

  /** hmac-secret input for makeCredential (-mc) or getAssertion. */
  hmacSecretInput(salts: Uint8Array): Map<number, unknown> {
    const saltEnc = this.encrypt(salts);
    return new Map<number, unknown>([
      [1, this.platformKey],
      [2, saltEnc],
      [3, this.mac(this.hmacKey, saltEnc)],
      [4, this.version],
    ]);
  }
}

export async function retries(fido: FidoClient): Promise<number> {
  const r = await ctap(
    fido,
    0x06,
    new Map([
      [1, 2],
      [2, 1],
    ]),
  );
  return r.body!.get(3) as number;
}

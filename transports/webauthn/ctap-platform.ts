// The platform half of CTAP2 for the WebAuthn client: one command at a time over any transport that carries CBOR
// messages (the FIDO server's IPC client, or a CTAPHID socket), getInfo cached, and PIN/UV auth protocol 2 (1 when
// the authenticator offers only that) for pinUvAuthTokens with permissions and for hmac-secret salts.
import { concatBytes } from '@noble/hashes/utils.js';
import { defaultRandom, type Random } from '../../lib/random.ts';
import { decodeCbor, encodeCbor, Params } from '../../vault/fido/cbor.ts';
import { CtapCommand } from '../../vault/fido/ctap2/commands.ts';
import { PinSubcommand } from '../../vault/fido/ctap2/client-pin.ts';
import { sha256 } from '../../vault/fido/hash.ts';
import { pinHash, PinProtocol, type SharedSecret } from '../../vault/fido/pin-protocol.ts';
import { CtapError, CtapStatus } from '../../vault/fido/status.ts';

/** Anything that carries a CTAP2 message (command byte | CBOR) and returns status | CBOR. */
export interface CtapTransport {
  cbor(message: Uint8Array): Promise<Uint8Array>;
}

export interface PlatformInfo {
  extensions: string[];
  options: Record<string, boolean>;
  pinProtocols: number[];
  /** How many credential descriptors one request may carry, and how long an ID may be (getInfo 0x07, 0x08). */
  maxCredentialsInList: number;
  maxCredentialIdLength: number;
}

/** pinUvAuthToken permissions (CTAP 2.1 section 6.5.5.7). */
export enum Permission {
  MakeCredential = 0x01,
  GetAssertion = 0x02,
}

/** A key agreement with the authenticator: the platform's protocol object and the shared secret. */
export interface Agreement {
  protocol: PinProtocol;
  shared: SharedSecret;
}

export class CtapPlatform {
  private cachedInfo?: PlatformInfo;

  constructor(
    readonly transport: CtapTransport,
    private readonly random: Random = defaultRandom,
  ) {}

  /** Send one command; a non-zero status becomes a CtapError. */
  async call(command: CtapCommand, params?: Map<unknown, unknown>): Promise<Map<unknown, unknown>> {
    const msg = params ? concatBytes(Uint8Array.of(command), encodeCbor(params)) : Uint8Array.of(command);
    const r = await this.transport.cbor(msg);
    if (r.length === 0) throw new CtapError(CtapStatus.Other, 'empty answer');
    if (r[0] !== CtapStatus.Ok) throw new CtapError(r[0]);
    return r.length > 1 ? (decodeCbor(r.subarray(1)) as Map<unknown, unknown>) : new Map();
  }

  /** getInfo, re-read when `fresh` (a PIN may have been set since). */
  async info(fresh = false): Promise<PlatformInfo> {
    if (this.cachedInfo && !fresh) return this.cachedInfo;
    const m = await this.call(CtapCommand.GetInfo);
    this.cachedInfo = {
      extensions: (m.get(2) as string[] | undefined) ?? [],
      options: Object.fromEntries((m.get(4) as Map<string, boolean> | undefined) ?? []),
      pinProtocols: (m.get(6) as number[] | undefined) ?? [],
      maxCredentialsInList: Math.max(1, (m.get(7) as number | undefined) ?? 1),
      maxCredentialIdLength: (m.get(8) as number | undefined) ?? 1023,
    };
    return this.cachedInfo;
  }

  async agree(): Promise<Agreement> {
    const info = await this.info();
    const version = info.pinProtocols.includes(2) ? 2 : 1;
    const r = await this.call(
      CtapCommand.ClientPin,
      new Map([
        [1, version],
        [2, PinSubcommand.GetKeyAgreement],
      ]),
    );
    const protocol = new PinProtocol(version, this.random);
    return { protocol, shared: protocol.agree(new Params(r.get(1) as Map<unknown, unknown>, 'keyAgreement')) };
  }

  /** getPinUvAuthTokenUsingPinWithPermissions; the token with the agreement it was sent under. */
  async pinToken(pin: string, permissions: Permission, rpId: string): Promise<Agreement & { token: Uint8Array }> {
    const a = await this.agree();
    const pinHashEnc = a.shared.encrypt(pinHash(new TextEncoder().encode(pin)));
    const r = await this.call(
      CtapCommand.ClientPin,
      new Map<number, unknown>([
        [1, a.protocol.version],
        [2, PinSubcommand.GetPinUvAuthTokenUsingPinWithPermissions],
        [3, a.protocol.publicKeyCose()],
        [6, pinHashEnc],
        [9, permissions],
        [0x0a, rpId],
      ]),
    );
    const token = a.shared.decrypt(r.get(2) as Uint8Array);
    if (!token) throw new CtapError(CtapStatus.Other, 'the pinUvAuthToken does not decrypt');
    return { ...a, token };
  }
}

export { sha256 };

// The host side of CTAP2 for tools that drive the authenticator directly (the CLI): getInfo decoded, setPIN and
// changePIN through the PIN protocol (the platform half of pin-protocol.ts: ECDH is symmetric), reset.
import { concatBytes } from '@noble/hashes/utils.js';
import { defaultRandom, type Random } from '../../lib/random.ts';
import { decodeCbor, encodeCbor, Params } from './cbor.ts';
import { CtapCommand } from './ctap2/commands.ts';
import { PinSubcommand } from './ctap2/client-pin.ts';
import type { FidoClient } from './api.ts';
import { sha256 } from './hash.ts';
import { PinProtocol } from './pin-protocol.ts';
import { CtapError, CtapStatus } from './status.ts';

export interface AuthenticatorInfo {
  versions: string[];
  extensions: string[];
  aaguid: string;
  options: Record<string, boolean>;
  maxMsgSize: number;
  pinUvAuthProtocols: number[];
  algorithms: number[];
  minPinLength: number;
  forcePinChange: boolean;
  remainingDiscoverableCredentials: number;
  pinRetries?: number;
}

export class CtapHost {
  constructor(
    private readonly fido: FidoClient,
    private readonly random: Random = defaultRandom,
  ) {}

  /** Send one command; a non-zero status becomes a CtapError. */
  async call(command: CtapCommand, params?: Map<number, unknown>): Promise<Map<unknown, unknown> | undefined> {
    const msg = params ? concatBytes(Uint8Array.of(command), encodeCbor(params)) : Uint8Array.of(command);
    const r = await this.fido.cbor(msg);
    if (r[0] !== CtapStatus.Ok)
      throw new CtapError(r[0], `${CtapCommand[command]}: ${CtapStatus[r[0]] ?? 'status 0x' + r[0].toString(16)}`);
    return r.length > 1 ? (decodeCbor(r.subarray(1)) as Map<unknown, unknown>) : undefined;
  }

  async info(): Promise<AuthenticatorInfo> {
    const m = (await this.call(CtapCommand.GetInfo))!;
    const info: AuthenticatorInfo = {
      versions: m.get(1) as string[],
      extensions: m.get(2) as string[],
      aaguid: Buffer.from(m.get(3) as Uint8Array).toString('hex'),
      options: Object.fromEntries(m.get(4) as Map<string, boolean>),
      maxMsgSize: m.get(5) as number,
      pinUvAuthProtocols: m.get(6) as number[],
      algorithms: (m.get(0x0a) as Map<string, number>[]).map((a) => a.get('alg')!),
      minPinLength: m.get(0x0d) as number,
      forcePinChange: m.get(0x0c) as boolean,
      remainingDiscoverableCredentials: m.get(0x14) as number,
    };
    if (info.options.clientPin) {
      info.pinRetries = (await this.call(
        CtapCommand.ClientPin,
        new Map([
          [1, 2],
          [2, PinSubcommand.GetPinRetries],
        ]),
      ))!.get(3) as number;
    }
    return info;
  }

  async setPin(pin: string): Promise<void> {
    const { platform, shared } = await this.agree();
    const newPinEnc = shared.encrypt(padPin(pin));
    await this.call(
      CtapCommand.ClientPin,
      new Map<number, unknown>([
        [1, 2],
        [2, PinSubcommand.SetPin],
        [3, platform.publicKeyCose()],
        [4, platform.authenticate(shared.hmacKey, newPinEnc)],
        [5, newPinEnc],
      ]),
    );
  }

  async changePin(oldPin: string, pin: string): Promise<void> {
    const { platform, shared } = await this.agree();
    const newPinEnc = shared.encrypt(padPin(pin));
    const pinHashEnc = shared.encrypt(sha256(new TextEncoder().encode(oldPin)).subarray(0, 16));
    const param = platform.authenticate(shared.hmacKey, concatBytes(newPinEnc, pinHashEnc));
    await this.call(
      CtapCommand.ClientPin,
      new Map<number, unknown>([
        [1, 2],
        [2, PinSubcommand.ChangePin],
        [3, platform.publicKeyCose()],
        [4, param],
        [5, newPinEnc],
        [6, pinHashEnc],
      ]),
    );
  }

  async reset(): Promise<void> {
    await this.call(CtapCommand.Reset);
  }

  /** Protocol 2 key agreement with the authenticator's current key. */
  private async agree() {
    const r = await this.call(
      CtapCommand.ClientPin,
      new Map([
        [1, 2],
        [2, PinSubcommand.GetKeyAgreement],
      ]),
    );
    const platform = new PinProtocol(2, this.random);
    const key = new Params(r!.get(1) as Map<unknown, unknown>, 'keyAgreement');
    return { platform, shared: platform.agree(key) };
  }
}

/** PINs travel UTF-8, zero-padded to 64 bytes; 4..63 bytes are the authenticator's to judge. */
function padPin(pin: string): Uint8Array {
  const bytes = new TextEncoder().encode(pin);
  if (bytes.length > 63) throw new CtapError(CtapStatus.PinPolicyViolation, 'a PIN is at most 63 bytes');
  const out = new Uint8Array(64);
  out.set(bytes);
  return out;
}

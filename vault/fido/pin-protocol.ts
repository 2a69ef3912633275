// PIN/UV auth protocols 1 and 2 (CTAP 2.1 section 6.5.6 and 6.5.7) on node:crypto: the authenticator's P-256
// key-agreement key, the shared secret a platform derives with it, encrypt/decrypt (AES-256-CBC) and authenticate
// (HMAC-SHA-256, truncated to 16 bytes in protocol 1).
import {
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  createHmac,
  hkdfSync,
  timingSafeEqual,
  type ECDH,
} from 'node:crypto';
import { CtapError, CtapStatus } from './status.ts';
import type { Params } from './cbor.ts';
import { randomBytes, type Random } from '../../lib/random.ts';

export type ProtocolVersion = 1 | 2;

export interface SharedSecret {
  readonly version: ProtocolVersion;
  /** The key `authenticate` uses with this secret (protocol 1: the whole key; protocol 2: the HKDF'd HMAC key). */
  readonly hmacKey: Uint8Array;
  encrypt(plain: Uint8Array): Uint8Array;
  /** Undefined when the ciphertext has the wrong size. */
  decrypt(cipher: Uint8Array): Uint8Array | undefined;
}

export class PinProtocol {
  private ecdh!: ECDH;

  constructor(
    readonly version: ProtocolVersion,
    private readonly random: Random,
  ) {
    this.regenerate();
  }

  /** A fresh key-agreement key (at boot, and after a PIN mismatch as the spec requires). */
  regenerate(): void {
    this.ecdh = createECDH('prime256v1');
    this.ecdh.setPrivateKey(p256Scalar(this.random));
  }

  /** getKeyAgreement: the public key as COSE_Key (alg -25, ECDH-ES + HKDF-256, as the spec fixes it). */
  publicKeyCose(): Map<number, unknown> {
    const p = this.ecdh.getPublicKey();
    return new Map<number, unknown>([
      [1, 2],
      [3, -25],
      [-1, 1],
      [-2, p.subarray(1, 33)],
      [-3, p.subarray(33, 65)],
    ]);
  }

  /** The shared secret with the platform's key (a COSE_Key map); INVALID_PARAMETER if it is not a P-256 point. */
  agree(platformKey: Params): SharedSecret {
    const kty = platformKey.optInt(1);
    const crv = platformKey.optInt(-1);
    const x = platformKey.optBytes(-2);
    const y = platformKey.optBytes(-3);
    if (kty !== 2 || crv !== 1 || x?.length !== 32 || y?.length !== 32) {
      throw new CtapError(CtapStatus.InvalidParameter, 'keyAgreement is not a P-256 COSE key');
    }
    let z: Buffer;
    try {
      z = this.ecdh.computeSecret(Buffer.concat([Buffer.from([4]), x, y]));
    } catch {
      throw new CtapError(CtapStatus.InvalidParameter, 'keyAgreement is not on the curve');
    }
    return this.version === 1 ? sharedV1(z) : sharedV2(z, this.random);
  }

  /** authenticate(key, message) for this protocol. */
  authenticate(key: Uint8Array, message: Uint8Array): Uint8Array {
    const mac = new Uint8Array(
      createHmac('sha256', this.version === 1 ? key : key.subarray(0, 32))
        .update(message)
        .digest(),
    );
    return this.version === 1 ? mac.subarray(0, 16) : mac;
  }

  /** verify(key, message, signature): constant-time, false on any length mismatch. */
  verify(key: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    const want = this.authenticate(key, message);
    return signature.length === want.length && timingSafeEqual(want, signature);
  }
}

function sharedV1(z: Buffer): SharedSecret {
  const key = new Uint8Array(createHash('sha256').update(z).digest());
  return {
    version: 1,
    hmacKey: key,
    encrypt: (plain) => cbc(true, key, new Uint8Array(16), plain),
    decrypt: (c) => (c.length % 16 === 0 && c.length > 0 ? cbc(false, key, new Uint8Array(16), c) : undefined),
  };
}

function sharedV2(z: Buffer, random: Random): SharedSecret {
  const salt = new Uint8Array(32);
  const hmacKey = new Uint8Array(hkdfSync('sha256', z, salt, 'CTAP2 HMAC key', 32));
  const aesKey = new Uint8Array(hkdfSync('sha256', z, salt, 'CTAP2 AES key', 32));
  return {
    version: 2,
    hmacKey,
    encrypt(plain) {
      const iv = randomBytes(random, 16);
      const out = new Uint8Array(16 + plain.length);
      out.set(iv);
      out.set(cbc(true, aesKey, iv, plain), 16);
      return out;
    },
    decrypt: (c) =>
      c.length % 16 === 0 && c.length > 16 ? cbc(false, aesKey, c.subarray(0, 16), c.subarray(16)) : undefined,
  };
}

function cbc(encrypt: boolean, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const c = encrypt ? createCipheriv('aes-256-cbc', key, iv) : createDecipheriv('aes-256-cbc', key, iv);
  c.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

/** A uniformly random valid P-256 private scalar (rejection sampling below the group order). */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
export function p256Scalar(random: Random): Uint8Array {
  for (;;) {
    const b = randomBytes(random, 32);
    const v = BigInt('0x' + Buffer.from(b).toString('hex'));
    if (v > 0n && v < P256_N) return b;
  }
}

export const PIN_HASH_LEN = 16;

/** LEFT(SHA-256(pin), 16): what the authenticator stores and what platforms send in pinHashEnc. */
export function pinHash(pin: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(pin).digest()).subarray(0, PIN_HASH_LEN);
}

// The signature algorithms the authenticator offers, through node:crypto: key generation, COSE_Key encoding of the
// public key (RFC 9053 / RFC 8230), and signing in the form WebAuthn expects (ECDSA as DER, Ed25519 raw, RSA PKCS#1 v1.5).
import { createECDH, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { randomBytes, type Random } from '../../lib/random.ts';
import { p256Scalar } from './pin-protocol.ts';
import { CtapError, CtapStatus } from './status.ts';

export enum CoseAlg {
  ES256 = -7,
  EdDSA = -8,
  RS256 = -257,
}

/** In the order the authenticator prefers them when a client's list allows several (getInfo lists this order). */
export const SUPPORTED_ALGS = [CoseAlg.ES256, CoseAlg.EdDSA, CoseAlg.RS256] as const;

export function isSupportedAlg(alg: number): alg is CoseAlg {
  return (SUPPORTED_ALGS as readonly number[]).includes(alg);
}

export interface KeyPair {
  alg: CoseAlg;
  /** PKCS#8 DER of the private key. */
  privateKey: Uint8Array;
  key: KeyObject;
}

/**
 * A fresh key pair. ES256 and EdDSA keys come from `random` (seeded runs make the same credentials); node:crypto
 * cannot take randomness for RSA key generation, so RS256 keys come from the OS CSPRNG.
 */
export function generateKey(alg: CoseAlg, random: Random): KeyPair {
  let key: KeyObject;
  if (alg === CoseAlg.EdDSA) {
    key = createPrivateKey({
      key: Buffer.concat([ED25519_PKCS8_PREFIX, randomBytes(random, 32)]),
      format: 'der',
      type: 'pkcs8',
    });
  } else if (alg === CoseAlg.ES256) {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(p256Scalar(random));
    const pub = ecdh.getPublicKey();
    const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
    key = createPrivateKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        d: b64(ecdh.getPrivateKey()),
        x: b64(pub.subarray(1, 33)),
        y: b64(pub.subarray(33, 65)),
      },
      format: 'jwk',
    });
  } else {
    key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  }
  return { alg, key, privateKey: new Uint8Array(key.export({ format: 'der', type: 'pkcs8' })) };
}

/** PKCS#8 DER up to the 32-byte Ed25519 seed (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function importKey(alg: CoseAlg, pkcs8: Uint8Array): KeyPair {
  try {
    return { alg, privateKey: pkcs8, key: createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }) };
  } catch {
    throw new CtapError(CtapStatus.Other, 'stored credential key does not parse');
  }
}

/** The public key as a COSE_Key map (integer labels, as CTAP puts it in attested credential data). */
export function coseKey(pair: KeyPair): Map<number, unknown> {
  const jwk = createPublicKey(pair.key).export({ format: 'jwk' });
  const b = (s: string | undefined) => new Uint8Array(Buffer.from(s!, 'base64url'));
  switch (pair.alg) {
    case CoseAlg.ES256:
      return new Map<number, unknown>([
        [1, 2],
        [3, CoseAlg.ES256],
        [-1, 1],
        [-2, b(jwk.x)],
        [-3, b(jwk.y)],
      ]);
    case CoseAlg.EdDSA:
      return new Map<number, unknown>([
        [1, 1],
        [3, CoseAlg.EdDSA],
        [-1, 6],
        [-2, b(jwk.x)],
      ]);
    case CoseAlg.RS256:
      return new Map<number, unknown>([
        [1, 3],
        [3, CoseAlg.RS256],
        [-1, b(jwk.n)],
        [-2, b(jwk.e)],
      ]);
  }
}

/** Sign `data` as WebAuthn verifies it for `alg`. */
export function signWith(pair: KeyPair, data: Uint8Array): Uint8Array {
  const hash = pair.alg === CoseAlg.EdDSA ? null : 'sha256';
  return new Uint8Array(sign(hash, data, pair.key));
}

/** The uncompressed P-256 point (0x04 | x | y): U2F's public key format. */
export function rawP256(pair: KeyPair): Uint8Array {
  const k = coseKey(pair);
  const out = new Uint8Array(65);
  out[0] = 4;
  out.set(k.get(-2) as Uint8Array, 1);
  out.set(k.get(-3) as Uint8Array, 33);
  return out;
}

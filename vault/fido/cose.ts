// The signature algorithms the authenticator offers, through node:crypto: key generation, COSE_Key encoding of the
// public key (RFC 9053 / RFC 8230), and signing in the form WebAuthn expects (ECDSA as DER, Ed25519 raw, RSA PKCS#1 v1.5).
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
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

export function generateKey(alg: CoseAlg): KeyPair {
  const { privateKey } =
    alg === CoseAlg.ES256
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === CoseAlg.EdDSA
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { alg, key: privateKey, privateKey: new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' })) };
}

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
      return new Map<number, unknown>([[1, 2], [3, CoseAlg.ES256], [-1, 1], [-2, b(jwk.x)], [-3, b(jwk.y)]]);
    case CoseAlg.EdDSA:
      return new Map<number, unknown>([[1, 1], [3, CoseAlg.EdDSA], [-1, 6], [-2, b(jwk.x)]]);
    case CoseAlg.RS256:
      return new Map<number, unknown>([[1, 3], [3, CoseAlg.RS256], [-1, b(jwk.n)], [-2, b(jwk.e)]]);
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

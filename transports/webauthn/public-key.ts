// A credential's COSE public key as the SPKI DER that getPublicKey() returns in a browser (ES256, EdDSA, RS256).
import { createPublicKey, type JsonWebKey } from 'node:crypto';

export function coseToSpki(cose: Map<number, unknown>): Uint8Array | undefined {
  const b = (label: number) => Buffer.from(cose.get(label) as Uint8Array).toString('base64url');
  let jwk: JsonWebKey;
  switch (cose.get(1)) {
    case 2:
      if (cose.get(-1) !== 1) return undefined;
      jwk = { kty: 'EC', crv: 'P-256', x: b(-2), y: b(-3) };
      break;
    case 1:
      if (cose.get(-1) !== 6) return undefined;
      jwk = { kty: 'OKP', crv: 'Ed25519', x: b(-2) };
      break;
    case 3:
      jwk = { kty: 'RSA', n: b(-1), e: b(-2) };
      break;
    default:
      return undefined;
  }
  return new Uint8Array(createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' }));
}

// clientDataJSON as Chromium serialises it (members in this order), and its SHA-256 for the authenticator.
import { sha256 } from '../../vault/fido/hash.ts';

export function clientData(
  type: 'webauthn.create' | 'webauthn.get',
  challenge: string,
  origin: string,
): { json: Uint8Array; hash: Uint8Array } {
  const json = new TextEncoder().encode(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  return { json, hash: sha256(json) };
}

// Attestation statements for makeCredential: packed self-attestation (signed by the credential key, no x5c: the
// original's), packed batch (the device's batch key, x5c = [batch certificate]), and none.
import { concatBytes } from '@noble/hashes/utils.js';
import type { Authenticator } from './authenticator.ts';
import { CoseAlg, importKey, signWith, type KeyPair } from './cose.ts';

export type AttestationFormat = 'packed' | 'none';

export async function attestationStatement(
  auth: Authenticator,
  mode: 'self' | 'batch' | 'none',
  credential: KeyPair,
  authData: Uint8Array,
  clientDataHash: Uint8Array,
): Promise<{ fmt: AttestationFormat; attStmt: Map<string, unknown> }> {
  const signed = concatBytes(authData, clientDataHash);
  if (mode === 'none') return { fmt: 'none', attStmt: new Map() };
  if (mode === 'self') {
    return {
      fmt: 'packed',
      attStmt: new Map<string, unknown>([
        ['alg', credential.alg],
        ['sig', signWith(credential, signed)],
      ]),
    };
  }
  const batch = await auth.batchAttestation();
  const key = importKey(CoseAlg.ES256, batch.privateKey);
  return {
    fmt: 'packed',
    attStmt: new Map<string, unknown>([
      ['alg', CoseAlg.ES256],
      ['sig', signWith(key, signed)],
      ['x5c', [batch.certificate]],
    ]),
  };
}

// The prf extension on top of CTAP's hmac-secret (WebAuthn L3 section 10.1.4): salts are SHA-256("WebAuthn PRF" |
// 0x00 | input), sent encrypted under a key agreement, and the outputs come back encrypted under the same one.
import { concatBytes } from '@noble/hashes/utils.js';
import { sha256 } from '../../vault/fido/hash.ts';
import type { Agreement } from './ctap-platform.ts';
import { b64u, object } from './options-json.ts';

const PREFIX = concatBytes(new TextEncoder().encode('WebAuthn PRF'), Uint8Array.of(0));

export interface PrfInputs {
  first: Uint8Array;
  second?: Uint8Array;
}

/** The eval (or evalByCredential entry for `credentialId`) of a get's prf input; undefined when none applies. */
export function prfInputs(prf: unknown, credentialId: Uint8Array | undefined): PrfInputs | undefined {
  const p = object(prf, 'extensions.prf');
  let ev = p.eval;
  if (p.evalByCredential !== undefined) {
    const byCred = object(p.evalByCredential, 'extensions.prf.evalByCredential');
    const key = credentialId && Buffer.from(credentialId).toString('base64url');
    if (key !== undefined && Object.hasOwn(byCred, key)) ev = byCred[key];
  }
  if (ev === undefined) return undefined;
  const e = object(ev, 'extensions.prf.eval');
  return {
    first: b64u(e.first, 'prf.eval.first'),
    second: e.second === undefined ? undefined : b64u(e.second, 'prf.eval.second'),
  };
}

/** hmac-secret's input map for these PRF inputs. */
export function hmacSecretInput(a: Agreement, inputs: PrfInputs): Map<number, unknown> {
  const salts = [inputs.first, inputs.second]
    .filter((x): x is Uint8Array => x !== undefined)
    .map((x) => sha256(concatBytes(PREFIX, x)));
  const saltEnc = a.shared.encrypt(concatBytes(...salts));
  return new Map<number, unknown>([
    [1, a.protocol.publicKeyCose()],
    [2, saltEnc],
    [3, a.protocol.authenticate(a.shared.hmacKey, saltEnc)],
    [4, a.protocol.version],
  ]);
}

/** The prf results from hmac-secret's encrypted output. */
export function prfResults(a: Agreement, output: Uint8Array): { first: string; second?: string } | undefined {
  const plain = a.shared.decrypt(output);
  if (!plain || (plain.length !== 32 && plain.length !== 64)) return undefined;
  const b = (x: Uint8Array) => Buffer.from(x).toString('base64url');
  return { first: b(plain.subarray(0, 32)), second: plain.length === 64 ? b(plain.subarray(32)) : undefined };
}

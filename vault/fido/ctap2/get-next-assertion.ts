// authenticatorGetNextAssertion (0x08), CTAP 2.1 section 6.3: the next credential of the last getAssertion
// without allowList, within 30 s and with no other command in between; else NOT_ALLOWED.
import type { Authenticator } from '../authenticator.ts';
import { CtapStatus, ensure } from '../status.ts';
import { assertion } from './get-assertion.ts';

export async function getNextAssertion(auth: Authenticator): Promise<Map<number, unknown>> {
  const q = auth.assertions;
  ensure(q && q.remaining.length > 0 && auth.now() < q.expires, CtapStatus.NotAllowed, 'no assertion to continue');
  const next = q.remaining.shift()!;
  if (q.remaining.length === 0) auth.assertions = undefined;
  return assertion(auth, q, next, false);
}

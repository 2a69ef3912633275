// authenticatorReset (0x07), CTAP 2.1 section 6.6: only within 20 s of boot (the original's rule), with user
// presence. Wipes the credentials, PIN, counters and settings of every open basis; a locked basis cannot be
// touched (and is not admitted to exist). The batch attestation material stays, as OpenSK keeps it.
import type { Authenticator } from '../authenticator.ts';
import { RESET_WINDOW_MS } from '../limits.ts';
import { CtapStatus, ensure } from '../status.ts';

export async function reset(auth: Authenticator): Promise<undefined> {
  ensure(auth.now() - auth.bootedAt <= RESET_WINDOW_MS, CtapStatus.NotAllowed, 'reset only within 20 s of power-up');
  await auth.requirePresence('reset', '');
  await auth.wipe();
  return undefined;
}

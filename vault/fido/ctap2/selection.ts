// authenticatorSelection (0x0B), CTAP 2.1 section 6.9: the user picks this authenticator by touching it.
import type { Authenticator } from '../authenticator.ts';

export async function selection(auth: Authenticator): Promise<undefined> {
  await auth.requirePresence('select', '');
  return undefined;
}

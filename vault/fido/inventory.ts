// The stored credentials as the device owner sees them offline (the CLI): read from the PDDB of the open bases,
// no PIN needed (whoever has the boot PIN and the basis passwords already holds them). Deleting one removes its
// record, which is what makes a stored credential's ID stop working.
import type { Pddb } from '../../pddb/index.ts';
import { decodeRecord } from './credential.ts';
import { FidoStore, Key } from './store.ts';

export interface StoredCredential {
  /** base64url, as WebAuthn shows credential IDs. */
  id: string;
  rpId: string;
  userName?: string;
  displayName?: string;
  alg: number;
  discoverable: boolean;
  basis: string;
  slot: number;
}

export async function storedCredentials(pddb: Pddb, rpId?: string): Promise<StoredCredential[]> {
  const store = new FidoStore(pddb);
  const out: StoredCredential[] = [];
  for (const basis of await store.bases()) {
    for (const [slot, value] of await store.entries(basis)) {
      if (slot < Key.CredentialsStart || slot >= Key.CredentialsEnd) continue;
      const r = decodeRecord(value);
      if (!r || (rpId !== undefined && r.rpId !== rpId)) continue;
      out.push({
        id: Buffer.from(r.id).toString('base64url'),
        rpId: r.rpId,
        userName: r.userName,
        displayName: r.displayName,
        alg: r.alg,
        discoverable: r.discoverable,
        basis,
        slot,
      });
    }
  }
  return out;
}

/** Delete a stored credential by its base64url ID; undefined when no open basis holds it. */
export async function deleteStoredCredential(pddb: Pddb, id: string): Promise<StoredCredential | undefined> {
  const found = (await storedCredentials(pddb)).find((c) => c.id === id);
  if (!found) return undefined;
  const store = new FidoStore(pddb);
  await store.remove(found.slot, found.basis);
  await store.sync();
  return found;
}

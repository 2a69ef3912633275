// Finding and keeping credentials across the open bases: stored records in each basis's credential range,
// sealed IDs opened with each open basis's master keys. A locked basis is simply not searched.
import { equalBytes } from '@noble/ciphers/utils.js';
import type { Authenticator } from './authenticator.ts';
import { Key, MAX_RESIDENT_CREDENTIALS } from './store.ts';
import { decodeRecord, encodeRecord, openId, type CredentialRecord, type MasterKeys } from './credential.ts';
import type { CoseAlg } from './cose.ts';
import { CtapError, CtapStatus } from './status.ts';

export interface FoundCredential {
  basis: string;
  keys: MasterKeys;
  id: Uint8Array;
  alg: CoseAlg;
  privateKey: Uint8Array;
  credProtect: number;
  /** Present for stored credentials, with its slot (the `opensk` key number). */
  record?: CredentialRecord;
  slot?: number;
}

/** The stored credentials of one basis, by slot. */
export async function storedIn(auth: Authenticator, basis: string): Promise<Map<number, CredentialRecord>> {
  const out = new Map<number, CredentialRecord>();
  for (const [key, value] of await auth.store.entries(basis)) {
    if (key < Key.CredentialsStart || key >= Key.CredentialsEnd) continue;
    const r = decodeRecord(value);
    if (r) out.set(key, r);
  }
  return out;
}

function fromRecord(basis: string, keys: MasterKeys, slot: number, r: CredentialRecord): FoundCredential {
  return { basis, keys, id: r.id, alg: r.alg, privateKey: r.privateKey, credProtect: r.credProtect, record: r, slot };
}

/** Every stored credential of the open bases, newest basis first. */
export async function allStored(auth: Authenticator): Promise<FoundCredential[]> {
  const out: FoundCredential[] = [];
  for (const { basis, keys } of await auth.openIdentities()) {
    for (const [slot, r] of await storedIn(auth, basis)) out.push(fromRecord(basis, keys, slot, r));
  }
  return out;
}

/** Discoverable credentials for an RP, most recently created first. */
export async function discoverableFor(auth: Authenticator, rpId: string): Promise<FoundCredential[]> {
  return (await allStored(auth))
    .filter((c) => c.record!.discoverable && c.record!.rpId === rpId)
    .sort((a, b) => b.record!.creationOrder - a.record!.creationOrder);
}

/** A credential ID made by this authenticator for this RP in an open basis, or undefined. */
export async function resolveId(
  auth: Authenticator,
  rpIdHash: Uint8Array,
  id: Uint8Array,
): Promise<FoundCredential | undefined> {
  for (const { basis, keys } of await auth.openIdentities()) {
    const p = openId(keys, rpIdHash, id);
    if (!p) continue;
    if (!p.stored) return { basis, keys, id, alg: p.alg, privateKey: p.privateKey!, credProtect: p.credProtect };
    for (const [slot, r] of await storedIn(auth, basis))
      if (equalBytes(r.id, id)) return fromRecord(basis, keys, slot, r);
    return undefined; // a stored credential whose record was deleted no longer exists
  }
  return undefined;
}

/**
 * Store a credential in `basis`: replacing the one of the same RP and user (as the spec asks), else in a free slot;
 * its creation order is one more than the basis's newest. One read of the basis's records for both.
 */
export async function saveCredential(
  auth: Authenticator,
  basis: string,
  r: Omit<CredentialRecord, 'creationOrder'>,
): Promise<CredentialRecord> {
  const existing = await storedIn(auth, basis);
  let slot: number | undefined;
  let newest = 0;
  for (const [s, old] of existing) {
    newest = Math.max(newest, old.creationOrder);
    if (r.discoverable && old.discoverable && old.rpId === r.rpId && equalBytes(old.userId, r.userId)) slot = s;
  }
  if (slot === undefined) {
    for (let s = Key.CredentialsStart; s < Key.CredentialsStart + MAX_RESIDENT_CREDENTIALS; s++) {
      if (!existing.has(s)) {
        slot = s;
        break;
      }
    }
  }
  if (slot === undefined) throw new CtapError(CtapStatus.KeyStoreFull, 'no room for another credential');
  const record = { ...r, creationOrder: newest + 1 };
  await auth.store.write(slot, encodeRecord(record), basis);
  return record;
}

// authenticatorCredentialManagement (0x0A, and 0x41 of CTAP 2.1-pre), CTAP 2.1 section 6.8: metadata, RP and
// credential enumeration, delete, updateUserInformation, over the discoverable credentials of the open bases.
import { concatBytes } from '@noble/hashes/utils.js';
import { equalBytes } from '@noble/ciphers/utils.js';
import type { Authenticator } from '../authenticator.ts';
import { sha256 } from '../hash.ts';
import { encodeCbor, type Params } from '../cbor.ts';
import { coseKey, importKey } from '../cose.ts';
import { encodeRecord } from '../credential.ts';
import { allStored, type FoundCredential } from '../credentials.ts';
import { Permission } from '../pin-token.ts';
import { MAX_RESIDENT_CREDENTIALS } from '../store.ts';
import { CtapError, CtapStatus, ensure } from '../status.ts';

export enum CredMgmtSubcommand {
  GetCredsMetadata = 1,
  EnumerateRpsBegin = 2,
  EnumerateRpsGetNextRp = 3,
  EnumerateCredentialsBegin = 4,
  EnumerateCredentialsGetNextCredential = 5,
  DeleteCredential = 6,
  UpdateUserInformation = 7,
}

interface Enumeration {
  rps?: Map<number, unknown>[];
  credentials?: Map<number, unknown>[];
}
const enumerations = new WeakMap<Authenticator, Enumeration>();

export async function credentialManagement(auth: Authenticator, p: Params): Promise<Map<number, unknown> | undefined> {
  const sub = p.int(1);
  const params = p.optMap(2);
  const version = p.optUint(3);
  const param = p.optBytes(4);
  const state = enumerations.get(auth) ?? {};
  enumerations.set(auth, state);

  if (sub === CredMgmtSubcommand.EnumerateRpsGetNextRp) return next(state.rps);
  if (sub === CredMgmtSubcommand.EnumerateCredentialsGetNextCredential) return next(state.credentials);
  ensure(sub >= 1 && sub <= 7, CtapStatus.InvalidSubcommand, 'unknown credentialManagement subcommand');
  state.rps = state.credentials = undefined;
  ensure(param !== undefined, CtapStatus.PuatRequired, 'credential management needs a pinUvAuthToken');
  const message = concatBytes(Uint8Array.of(sub), params ? encodeCbor(params.map) : new Uint8Array(0));
  auth.verifyToken(param, version, message, Permission.CredentialManagement);

  const discoverable = (await allStored(auth)).filter((c) => c.record!.discoverable);
  switch (sub) {
    case CredMgmtSubcommand.GetCredsMetadata: {
      const latest = await auth.store.latestBasis();
      const inLatest = discoverable.filter((c) => c.basis === latest).length;
      return new Map([
        [1, discoverable.length],
        [2, MAX_RESIDENT_CREDENTIALS - inLatest],
      ]);
    }
    case CredMgmtSubcommand.EnumerateRpsBegin: {
      const rps = new Map<string, Map<number, unknown>>();
      for (const c of discoverable) {
        const r = c.record!;
        if (rps.has(r.rpId)) continue;
        const rp = new Map<string, unknown>([['id', r.rpId]]);
        if (r.rpName !== undefined) rp.set('name', r.rpName);
        rps.set(
          r.rpId,
          new Map<number, unknown>([
            [3, rp],
            [4, sha256(r.rpId)],
          ]),
        );
      }
      return begin(state, 'rps', [...rps.values()], 5);
    }
    case CredMgmtSubcommand.EnumerateCredentialsBegin: {
      ensure(params, CtapStatus.MissingParameter, 'subCommandParams are missing');
      const rpIdHash = params.bytes(1);
      const list = discoverable.filter((c) => equalBytes(sha256(c.record!.rpId), rpIdHash)).map(describe);
      return begin(state, 'credentials', list, 9);
    }
    case CredMgmtSubcommand.DeleteCredential: {
      const c = await target(auth, params);
      await auth.store.remove(c.slot!, c.basis);
      await auth.store.sync();
      return undefined;
    }
    default: {
      ensure(params, CtapStatus.MissingParameter, 'subCommandParams are missing');
      const c = await target(auth, params);
      const user = params.mapOf(3);
      ensure(equalBytes(user.bytes('id'), c.record!.userId), CtapStatus.InvalidParameter, 'the user id differs');
      c.record!.userName = user.optText('name');
      c.record!.displayName = user.optText('displayName');
      await auth.store.write(c.slot!, encodeRecord(c.record!), c.basis);
      await auth.store.sync();
      return undefined;
    }
  }
}

function describe(c: FoundCredential): Map<number, unknown> {
  const r = c.record!;
  const user = new Map<string, unknown>([['id', r.userId]]);
  if (r.userName !== undefined) user.set('name', r.userName);
  if (r.displayName !== undefined) user.set('displayName', r.displayName);
  const out = new Map<number, unknown>([
    [6, user],
    [
      7,
      new Map<string, unknown>([
        ['id', r.id],
        ['type', 'public-key'],
      ]),
    ],
    [8, coseKey(importKey(r.alg, r.privateKey))],
    [0x0a, r.credProtect],
  ]);
  if (r.largeBlobKey) out.set(0x0b, r.largeBlobKey);
  return out;
}

function begin(state: Enumeration, which: 'rps' | 'credentials', list: Map<number, unknown>[], totalKey: number) {
  if (list.length === 0) throw new CtapError(CtapStatus.NoCredentials, 'no discoverable credential');
  const [first, ...rest] = list;
  state[which] = rest;
  first.set(totalKey, list.length);
  return first;
}

function next(queue: Map<number, unknown>[] | undefined): Map<number, unknown> {
  ensure(queue && queue.length > 0, CtapStatus.NotAllowed, 'no enumeration to continue');
  return queue.shift()!;
}

/** The stored discoverable credential a subCommandParams' credentialID names, in an open basis. */
async function target(auth: Authenticator, params: Params | undefined): Promise<FoundCredential> {
  ensure(params, CtapStatus.MissingParameter, 'subCommandParams are missing');
  const id = params.mapOf(2).bytes('id');
  const c = (await allStored(auth)).find((x) => x.record!.discoverable && equalBytes(x.id, id));
  if (!c) throw new CtapError(CtapStatus.NoCredentials, 'no such credential');
  return c;
}

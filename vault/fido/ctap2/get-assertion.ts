// authenticatorGetAssertion (0x02), CTAP 2.1 section 6.2.2, and the assertion both it and getNextAssertion sign.
import type { Authenticator } from '../authenticator.ts';
import { sha256 } from '../hash.ts';
import type { Params } from '../cbor.ts';
import { importKey, signWith } from '../cose.ts';
import { credRandom, encodeRecord } from '../credential.ts';
import { discoverableFor, resolveId, type FoundCredential } from '../credentials.ts';
import { authenticatorData } from '../auth-data.ts';
import {
  CredProtect,
  hmacSecretOutput,
  parseGetAssertionExtensions,
  type GetAssertionExtensions,
} from '../extensions.ts';
import { Permission } from '../pin-token.ts';
import { Key } from '../store.ts';
import { CtapError, CtapStatus, ensure } from '../status.ts';
import { answerEmptyPinAuth, credentialIds, parseOptions, refuseBuiltInUv } from './options.ts';
import { concatBytes } from '@noble/hashes/utils.js';

/** What getNextAssertion continues: the remaining credentials of one request, valid for 30 s. */
export interface AssertionQueue {
  rpId: string;
  clientDataHash: Uint8Array;
  up: boolean;
  uv: boolean;
  ext: GetAssertionExtensions;
  remaining: FoundCredential[];
  expires: number;
}

export const NEXT_ASSERTION_WINDOW_MS = 30_000;

export async function getAssertion(auth: Authenticator, p: Params): Promise<Map<number, unknown>> {
  const rpId = p.text(1);
  const clientDataHash = p.bytes(2);
  const allowList = credentialIds(p.optMaps(3));
  const ext = parseGetAssertionExtensions(p.optMap(4));
  const optionsMap = p.optMap(5);
  const opts = parseOptions(optionsMap);
  const pinUvAuthParam = p.optBytes(6);
  const pinUvAuthProtocol = p.optUint(7);

  await answerEmptyPinAuth(auth, pinUvAuthParam, pinUvAuthProtocol, rpId);
  if (pinUvAuthParam !== undefined) auth.protocol(pinUvAuthProtocol);
  ensure(opts.rk === undefined, CtapStatus.UnsupportedOption, 'rk is not a getAssertion option');
  refuseBuiltInUv(opts);
  const up = opts.up !== false;

  let uv = false;
  if (pinUvAuthParam !== undefined) {
    auth.verifyToken(pinUvAuthParam, pinUvAuthProtocol, clientDataHash, Permission.GetAssertion, rpId);
    uv = true;
  } else if (up && (await auth.flag(Key.AlwaysUv))) {
    throw new CtapError(CtapStatus.PuatRequired, 'alwaysUv: user verification is required');
  }

  const rpIdHash = sha256(rpId);
  let found: FoundCredential[];
  if (allowList.length > 0) {
    found = [];
    for (const id of allowList) {
      const c = await resolveId(auth, rpIdHash, id);
      if (c && (c.credProtect !== CredProtect.UvRequired || uv)) {
        found = [c];
        break;
      }
    }
  } else {
    found = (await discoverableFor(auth, rpId)).filter((c) => c.credProtect === CredProtect.UvOptional || uv);
  }
  if (found.length === 0) throw new CtapError(CtapStatus.NoCredentials, 'no credential for this RP');

  if (up) await auth.requirePresence('sign in', rpId, found.length === 1 ? (found[0].record?.userName ?? '') : '');

  const queue: AssertionQueue = {
    rpId,
    clientDataHash,
    up,
    uv,
    ext,
    remaining: found.slice(1),
    expires: auth.now() + NEXT_ASSERTION_WINDOW_MS,
  };
  const out = await assertion(auth, queue, found[0], allowList.length > 0);
  if (allowList.length === 0 && found.length > 1) {
    out.set(5, found.length);
    auth.assertions = queue;
  }
  return out;
}

/** Sign one assertion with `c` (counting, extensions, user fields as the spec allows them). */
export async function assertion(
  auth: Authenticator,
  q: AssertionQueue,
  c: FoundCredential,
  fromAllowList: boolean,
): Promise<Map<number, unknown>> {
  let counter: number;
  if (auth.perCredentialCounter && c.record && c.slot !== undefined) {
    const forced = auth.overriddenCounter(c.record.signCount);
    if (forced !== undefined) counter = forced;
    else {
      c.record.signCount += 1;
      counter = c.record.signCount;
      await auth.store.write(c.slot, encodeRecord(c.record), c.basis);
      await auth.store.sync();
    }
  } else {
    // Durable by the counter's reservation: no write unless a new ceiling is due.
    counter = await auth.nextGlobalCounter();
  }

  const extensions = new Map<string, unknown>();
  if (q.ext.hmacSecret)
    extensions.set('hmac-secret', hmacSecretOutput(auth, q.ext.hmacSecret, credRandom(c.keys, c.id, q.uv)));
  if (q.ext.credBlob && c.record) extensions.set('credBlob', c.record.credBlob ?? new Uint8Array(0));
  const authData = authenticatorData({ rpIdHash: sha256(q.rpId), up: q.up, uv: q.uv, counter, extensions });
  const signature = signWith(importKey(c.alg, c.privateKey), concatBytes(authData, q.clientDataHash));

  const out = new Map<number, unknown>([
    [
      1,
      new Map<string, unknown>([
        ['id', c.id],
        ['type', 'public-key'],
      ]),
    ],
    [2, authData],
    [3, signature],
  ]);
  const r = c.record;
  if (r?.discoverable) {
    const user = new Map<string, unknown>([['id', r.userId]]);
    // Names identify the user: only after user verification, and only when more than one account could answer.
    if (q.uv && !fromAllowList) {
      if (r.userName !== undefined) user.set('name', r.userName);
      if (r.displayName !== undefined) user.set('displayName', r.displayName);
    }
    out.set(4, user);
  }
  if (q.ext.largeBlobKey && r?.largeBlobKey) out.set(7, r.largeBlobKey);
  return out;
}

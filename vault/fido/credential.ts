// Credentials: the record kept for a stored credential (CBOR with OpenSK's PublicKeyCredentialSource field numbers
// where they exist), and credential IDs. An ID is sealed with the master key of the basis that made it: version |
// nonce | AES-256-GCM(payload, AAD = rpIdHash). The payload carries the private key for ES256/EdDSA (so
// non-resident credentials need no storage, as OpenSK's key handles); RS256 keys are too large for an ID (WebAuthn
// caps IDs at 1023 bytes), so RS256 credentials are always stored and the payload names the record. A locked
// basis's master key is not available, so its IDs do not open: they do not exist.
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { decodeCbor, encodeCbor } from './cbor.ts';
import { type CoseAlg, isSupportedAlg } from './cose.ts';
import { randomBytes, type Random } from '../../lib/random.ts';

export interface MasterKeys {
  enc: Uint8Array;
  hmac: Uint8Array;
}

export const MASTER_KEYS_LEN = 64;

export function masterKeysFrom(bytes: Uint8Array): MasterKeys {
  return { enc: bytes.slice(0, 32), hmac: bytes.slice(32, 64) };
}

const ID_VERSION = 1;
const NONCE = 12;
const TAG = 16;

export interface SealedPayload {
  alg: CoseAlg;
  /** PKCS#8 private key; absent when the credential is stored (RS256, and every resident credential). */
  privateKey?: Uint8Array;
  credProtect: number;
  /** The credential is stored in the basis: it exists only while its record does. */
  stored: boolean;
}

export function sealId(keys: MasterKeys, rpIdHash: Uint8Array, p: SealedPayload, random: Random): Uint8Array {
  const plain = encodeCbor(
    new Map<number, unknown>([
      [1, p.alg],
      [2, p.privateKey ?? new Uint8Array(0)],
      [3, p.credProtect],
      [4, p.stored],
    ]),
  );
  const nonce = randomBytes(random, NONCE);
  const c = createCipheriv('aes-256-gcm', keys.enc, nonce);
  c.setAAD(rpIdHash);
  const body = Buffer.concat([c.update(plain), c.final()]);
  return new Uint8Array(Buffer.concat([Buffer.from([ID_VERSION]), nonce, body, c.getAuthTag()]));
}

/** The payload, or undefined if the ID was not made by these keys for this RP (or is damaged). Never throws. */
export function openId(keys: MasterKeys, rpIdHash: Uint8Array, id: Uint8Array): SealedPayload | undefined {
  if (id.length < 1 + NONCE + TAG + 1 || id[0] !== ID_VERSION) return undefined;
  try {
    const d = createDecipheriv('aes-256-gcm', keys.enc, id.subarray(1, 1 + NONCE));
    d.setAAD(rpIdHash);
    d.setAuthTag(id.subarray(id.length - TAG));
    const plain = Buffer.concat([d.update(id.subarray(1 + NONCE, id.length - TAG)), d.final()]);
    const m = decodeCbor(new Uint8Array(plain)) as Map<number, unknown>;
    const alg = m.get(1) as number;
    if (!isSupportedAlg(alg)) return undefined;
    const key = m.get(2) as Uint8Array;
    return {
      alg,
      privateKey: key.length > 0 ? key : undefined,
      credProtect: m.get(3) as number,
      stored: m.get(4) === true,
    };
  } catch {
    return undefined;
  }
}

/** credRandom for hmac-secret (CTAP 2.1 section 12.5): one per credential and UV state, from the basis's keys. */
export function credRandom(keys: MasterKeys, id: Uint8Array, uv: boolean): Uint8Array {
  return new Uint8Array(
    createHmac('sha256', keys.hmac)
      .update(Buffer.from([uv ? 1 : 0]))
      .update(id)
      .digest(),
  );
}

/** A stored credential (resident, or RS256). */
export interface CredentialRecord {
  id: Uint8Array;
  alg: CoseAlg;
  privateKey: Uint8Array;
  rpId: string;
  rpName?: string;
  userId: Uint8Array;
  userName?: string;
  displayName?: string;
  credProtect: number;
  creationOrder: number;
  discoverable: boolean;
  credBlob?: Uint8Array;
  largeBlobKey?: Uint8Array;
  hmacSecret: boolean;
  /** The per-credential signature counter (when the authenticator counts per credential). */
  signCount: number;
}

/** OpenSK's PublicKeyCredentialSourceField numbers; 32+ are ours. */
enum Field {
  CredentialId = 0,
  PrivateKey = 1,
  RpId = 2,
  UserHandle = 3,
  UserDisplayName = 4,
  CredProtectPolicy = 6,
  CreationOrder = 7,
  UserName = 8,
  CredBlob = 10,
  LargeBlobKey = 11,
  Alg = 32,
  Discoverable = 33,
  HmacSecret = 34,
  SignCount = 35,
  RpName = 36,
}

export function encodeRecord(r: CredentialRecord): Uint8Array {
  const m = new Map<number, unknown>([
    [Field.CredentialId, r.id],
    [Field.PrivateKey, r.privateKey],
    [Field.RpId, r.rpId],
    [Field.UserHandle, r.userId],
    [Field.CredProtectPolicy, r.credProtect],
    [Field.CreationOrder, r.creationOrder],
    [Field.Alg, r.alg],
    [Field.Discoverable, r.discoverable],
    [Field.HmacSecret, r.hmacSecret],
    [Field.SignCount, r.signCount],
  ]);
  if (r.displayName !== undefined) m.set(Field.UserDisplayName, r.displayName);
  if (r.userName !== undefined) m.set(Field.UserName, r.userName);
  if (r.credBlob !== undefined) m.set(Field.CredBlob, r.credBlob);
  if (r.largeBlobKey !== undefined) m.set(Field.LargeBlobKey, r.largeBlobKey);
  if (r.rpName !== undefined) m.set(Field.RpName, r.rpName);
  return encodeCbor(m);
}

/** A record, or undefined when the bytes are not one (a damaged entry is skipped, never fatal). */
export function decodeRecord(bytes: Uint8Array): CredentialRecord | undefined {
  try {
    const m = decodeCbor(bytes) as Map<number, unknown>;
    const r: CredentialRecord = {
      id: m.get(Field.CredentialId) as Uint8Array,
      alg: m.get(Field.Alg) as CoseAlg,
      privateKey: m.get(Field.PrivateKey) as Uint8Array,
      rpId: m.get(Field.RpId) as string,
      userId: m.get(Field.UserHandle) as Uint8Array,
      credProtect: m.get(Field.CredProtectPolicy) as number,
      creationOrder: m.get(Field.CreationOrder) as number,
      discoverable: m.get(Field.Discoverable) === true,
      hmacSecret: m.get(Field.HmacSecret) === true,
      signCount: m.get(Field.SignCount) as number,
      displayName: m.get(Field.UserDisplayName) as string | undefined,
      userName: m.get(Field.UserName) as string | undefined,
      credBlob: m.get(Field.CredBlob) as Uint8Array | undefined,
      largeBlobKey: m.get(Field.LargeBlobKey) as Uint8Array | undefined,
      rpName: m.get(Field.RpName) as string | undefined,
    };
    const ok =
      r.id instanceof Uint8Array &&
      r.privateKey instanceof Uint8Array &&
      typeof r.rpId === 'string' &&
      r.userId instanceof Uint8Array &&
      isSupportedAlg(r.alg) &&
      Number.isInteger(r.creationOrder);
    return ok ? r : undefined;
  } catch {
    return undefined;
  }
}

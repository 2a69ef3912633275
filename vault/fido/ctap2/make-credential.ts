// authenticatorMakeCredential (0x01), CTAP 2.1 section 6.1.2.
import type { Authenticator } from '../authenticator.ts';
import { AAGUID } from '../limits.ts';
import { sha256 } from '../hash.ts';
import type { Params } from '../cbor.ts';
import { CoseAlg, coseKey, generateKey, isSupportedAlg } from '../cose.ts';
import { credRandom, sealId } from '../credential.ts';
import { resolveId, saveCredential } from '../credentials.ts';
import { authenticatorData } from '../auth-data.ts';
import { attestationStatement } from '../attestation.ts';
import { CredProtect, hmacSecretOutput, MAX_CRED_BLOB, parseMakeCredentialExtensions } from '../extensions.ts';
import { Permission } from '../pin-token.ts';
import { Key } from '../store.ts';
import { CtapError, CtapStatus, ensure } from '../status.ts';
import { answerEmptyPinAuth, credentialIds, parseOptions, refuseBuiltInUv } from './options.ts';
import { randomBytes } from '../../../lib/random.ts';

const MAX_USER_ID = 64;

export async function makeCredential(auth: Authenticator, p: Params): Promise<Map<number, unknown>> {
  const pinUvAuthParam = p.optBytes(8);
  const pinUvAuthProtocol = p.optUint(9);
  const clientDataHash = p.bytes(1);
  const rp = p.mapOf(2);
  const user = p.mapOf(3);
  const algs = p.optMaps(4);
  ensure(algs, CtapStatus.MissingParameter, 'pubKeyCredParams is missing');
  const rpId = rp.text('id');
  const rpName = rp.optText('name');
  const userId = user.bytes('id');
  ensure(userId.length <= MAX_USER_ID, CtapStatus.InvalidLength, 'user id over 64 bytes');
  const userName = user.optText('name');
  const displayName = user.optText('displayName');
  const excludeList = credentialIds(p.optMaps(5));
  const ext = parseMakeCredentialExtensions(p.optMap(6));
  const opts = parseOptions(p.optMap(7));
  p.optUint(0x0a); // enterpriseAttestation: not offered (getInfo does not list ep); type-checked, then ignored
  const formats = p.optArray(0x0b);

  // Algorithm: the first entry the authenticator supports; entries of other types or unknown algorithms are skipped.
  let alg: CoseAlg | undefined;
  for (const a of algs) {
    const type = a.text('type');
    const n = a.int('alg');
    if (alg === undefined && type === 'public-key' && isSupportedAlg(n)) alg = n;
  }

  await answerEmptyPinAuth(auth, pinUvAuthParam, pinUvAuthProtocol, rpId);
  if (pinUvAuthParam !== undefined) auth.protocol(pinUvAuthProtocol);
  ensure(alg !== undefined, CtapStatus.UnsupportedAlgorithm, 'no supported algorithm in pubKeyCredParams');
  ensure(opts.up !== false, CtapStatus.InvalidOption, 'makeCredential always takes user presence');
  refuseBuiltInUv(opts);
  const rk = opts.rk === true;
  const pinSet = await auth.pinIsSet();

  let uv = false;
  if (pinUvAuthParam !== undefined) {
    auth.verifyToken(pinUvAuthParam, pinUvAuthProtocol, clientDataHash, Permission.MakeCredential, rpId);
    uv = true;
  } else if (await auth.flag(Key.AlwaysUv)) {
    throw new CtapError(CtapStatus.PuatRequired, 'alwaysUv: user verification is required');
  } else if (pinSet && rk) {
    // makeCredUvNotRqd: only non-discoverable credentials may be made without UV once a PIN is set.
    throw new CtapError(CtapStatus.PuatRequired, 'a discoverable credential needs user verification');
  }

  const rpIdHash = sha256(rpId);
  for (const id of excludeList) {
    const found = await resolveId(auth, rpIdHash, id);
    if (found && (found.credProtect !== CredProtect.UvRequired || uv)) {
      await auth.requirePresence('register', rpId, userName ?? '');
      throw new CtapError(CtapStatus.CredentialExcluded, 'a credential in excludeList is here');
    }
  }
  if (ext.largeBlobKey) ensure(rk, CtapStatus.InvalidOption, 'largeBlobKey needs a discoverable credential');

  await auth.requirePresence('register', rpId, displayName || userName || '');

  const basis = await auth.store.latestBasis();
  const keys = await auth.masterKeys(basis, true);
  const pair = generateKey(alg, auth.random);
  // RS256 keys do not fit a credential ID: such credentials are stored even when not discoverable.
  const stored = rk || alg === CoseAlg.RS256;
  const credProtect = ext.credProtect ?? CredProtect.UvOptional;
  // Each seal draws a fresh nonce, so two credentials never share an ID even with identical fields.
  const id = sealId(
    keys,
    rpIdHash,
    { alg, privateKey: stored ? undefined : pair.privateKey, credProtect, stored },
    auth.random,
  );
  // credBlob is kept with discoverable credentials only; otherwise (or too long) the answer is credBlob: false.
  const credBlobOk = ext.credBlob !== undefined && ext.credBlob.length <= MAX_CRED_BLOB && rk;
  const largeBlobKey = ext.largeBlobKey ? randomBytes(auth.random, 32) : undefined;

  if (stored) {
    await saveCredential(auth, basis, {
      id,
      alg,
      privateKey: pair.privateKey,
      rpId,
      rpName,
      userId,
      userName,
      displayName,
      credProtect,
      discoverable: rk,
      credBlob: credBlobOk ? ext.credBlob : undefined,
      largeBlobKey,
      hmacSecret: ext.hmacSecret,
      signCount: 0,
    });
  }
  const counter = auth.perCredentialCounter && stored ? 0 : await auth.counter.next();

  const extensions = new Map<string, unknown>();
  if (ext.credProtect !== undefined) extensions.set('credProtect', credProtect);
  if (ext.hmacSecret) extensions.set('hmac-secret', true);
  if (ext.hmacSecretMc)
    extensions.set('hmac-secret-mc', hmacSecretOutput(auth, ext.hmacSecretMc, credRandom(keys, id, uv)));
  if (ext.credBlob !== undefined) extensions.set('credBlob', credBlobOk);
  if (ext.minPinLength && (await auth.minPinLengthRpIds()).includes(rpId))
    extensions.set('minPinLength', await auth.minPinLength());
  // Only a stored credential was written here (new master keys and counter ceilings sync themselves).
  if (stored) await auth.store.sync();

  const authData = authenticatorData({
    rpIdHash,
    up: true,
    uv,
    counter,
    attested: { aaguid: auth.attestation === 'none' ? new Uint8Array(16) : AAGUID, id, publicKey: coseKey(pair) },
    extensions,
  });
  const wantsNone = formats !== undefined && formats.length > 0 && formats[0] === 'none';
  const { fmt, attStmt } = await attestationStatement(
    auth,
    wantsNone ? 'none' : auth.attestation,
    pair,
    authData,
    clientDataHash,
  );
  const out = new Map<number, unknown>([
    [1, fmt],
    [2, authData],
    [3, attStmt],
  ]);
  if (largeBlobKey) out.set(5, largeBlobKey);
  return out;
}

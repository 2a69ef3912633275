// The authenticator: CTAP2 commands in (command byte | CBOR), status byte | CBOR out, one file per command under
// ctap2/, and the state they share: the PDDB-backed store, the pinUvAuthToken, the PIN protocols, the
// getNextAssertion state, presence through the ui server. Every failure is a CtapStatus; nothing a host sends can
// crash it or make it answer without a status.
import type { Pddb } from '../../pddb/index.ts';
import { isPddbError } from '../../pddb/index.ts';
import type { Random } from '../../lib/random.ts';
import { randomBytes } from '../../lib/random.ts';
import { Presence } from '../ui/api.ts';
import type { UiClient } from '../ui/client.ts';
import { decodeParams, encodeCbor, type Params } from './cbor.ts';
import { CtapError, CtapStatus, ensure } from './status.ts';
import { FidoStore, Key, SYSTEM_BASIS, PERSISTENT_KEYS } from './store.ts';
import { MASTER_KEYS_LEN, masterKeysFrom, type MasterKeys } from './credential.ts';
import { PinProtocol, type ProtocolVersion } from './pin-protocol.ts';
import { PinToken } from './pin-token.ts';
import { createBatchAttestation, type BatchMaterial } from './attestation-ca.ts';
import type { AssertionQueue } from './ctap2/get-assertion.ts';
import { commands } from './ctap2/commands.ts';
import { AAGUID, DEFAULT_MIN_PIN_LENGTH, MAX_MSG_SIZE, MAX_PIN_RETRIES } from './limits.ts';
import { SignatureCounter } from './signature-counter.ts';

export type AttestationMode = 'self' | 'batch' | 'none';

export interface AuthenticatorOptions {
  /** Attestation for makeCredential: packed self (the original's default), packed batch, or none. */
  attestation?: AttestationMode;
  /** The original's one global counter (+random 1..8 per use), or one counter per stored credential. */
  counter?: 'global' | 'per-credential';
  /** When the device booted (ms since the epoch): reset is refused 20 s later. */
  bootedAt?: number;
  now?: () => number;
  /** Accept the negative-testing command (a replayed or rolled-back counter for the next signature): tests only. */
  negativeTesting?: boolean;
  /** Counter space reserved per flash write (default RESERVATION); tests make it small to cross ceilings often. */
  counterReservation?: number;
}

export class Authenticator {
  readonly store: FidoStore;
  readonly now: () => number;
  readonly bootedAt: number;
  readonly attestation: AttestationMode;
  readonly perCredentialCounter: boolean;
  readonly negativeTesting: boolean;
  readonly counter: SignatureCounter;
  /** Set by the negative-testing command: the next signature repeats (replay) or lowers (rollback) the counter. */
  counterOverride: 'replay' | 'rollback' | undefined;
  readonly protocols: Record<ProtocolVersion, PinProtocol>;
  readonly token: PinToken;
  /** Wrong PINs since boot: three block PIN use until the next power cycle. */
  pinFailuresThisBoot = 0;
  /** getNextAssertion's state; any other command clears it. */
  assertions: AssertionQueue | undefined;
  private readonly masterKeyCache = new Map<string, MasterKeys>();
  private batch: BatchMaterial | undefined;

  constructor(
    pddb: Pddb,
    readonly ui: UiClient,
    readonly random: Random,
    opts: AuthenticatorOptions = {},
  ) {
    this.store = new FidoStore(pddb);
    this.now = opts.now ?? Date.now;
    this.bootedAt = opts.bootedAt ?? this.now();
    this.attestation = opts.attestation ?? 'self';
    this.perCredentialCounter = opts.counter === 'per-credential';
    this.negativeTesting = opts.negativeTesting === true;
    this.counter = new SignatureCounter(this.store, random, opts.counterReservation);
    this.protocols = { 1: new PinProtocol(1, random), 2: new PinProtocol(2, random) };
    this.token = new PinToken(random, this.now);
    // Keys are cached by basis name: any basis change (lock, unlock, delete, a new basis of the same name) drops them.
    pddb.monitorBasis(() => this.forgetMasterKeys());
  }

  /** One CTAP2 message: command byte | CBOR parameters -> status | CBOR response. */
  async handleCbor(message: Uint8Array): Promise<Uint8Array> {
    try {
      ensure(message.length > 0, CtapStatus.InvalidLength, 'empty message');
      ensure(message.length <= MAX_MSG_SIZE, CtapStatus.RequestTooLarge, 'message over maxMsgSize');
      const command = commands[message[0]];
      ensure(command, CtapStatus.InvalidCommand, 'unknown command');
      if (command.name !== 'getNextAssertion') this.assertions = undefined;
      const params = message.length > 1 ? decodeParams(message.subarray(1)) : undefined;
      if (command.needsParams) ensure(params, CtapStatus.MissingParameter, 'the command takes parameters');
      // A counter override is for the one command after it, whatever that command's outcome.
      const response = await command.run(this, params as Params).finally(() => {
        if (command.name !== 'negativeTesting') this.counterOverride = undefined;
      });
      if (response === undefined) return Uint8Array.of(CtapStatus.Ok);
      const body = encodeCbor(response);
      const out = new Uint8Array(1 + body.length);
      out.set(body, 1);
      return out;
    } catch (e) {
      return Uint8Array.of(statusOf(e));
    }
  }

  /** Ask the ui server for presence; anything but approval ends the command with its status. */
  async requirePresence(reason: string, rp: string, user = ''): Promise<void> {
    const outcome = await this.ui.requestPresence(reason, rp, user);
    switch (outcome) {
      case Presence.Approved:
        return;
      case Presence.Denied:
        throw new CtapError(CtapStatus.OperationDenied, 'the user denied');
      case Presence.Timeout:
        throw new CtapError(CtapStatus.UserActionTimeout, 'no answer from the user');
      default:
        throw new CtapError(CtapStatus.KeepaliveCancel, 'cancelled');
    }
  }

  /**
   * A basis's master keys. Made only when a credential is about to be made there (`create`): a basis that never
   * held a credential gets no `opensk` dict just because it was open while the authenticator looked.
   */
  async masterKeys(basis: string, create: true): Promise<MasterKeys>;
  async masterKeys(basis: string, create?: false): Promise<MasterKeys | undefined>;
  async masterKeys(basis: string, create = false): Promise<MasterKeys | undefined> {
    const cached = this.masterKeyCache.get(basis);
    if (cached) return cached;
    let bytes = await this.store.read(Key.MasterKeys, basis);
    if (!bytes || bytes.length !== MASTER_KEYS_LEN) {
      if (!create) return undefined;
      bytes = randomBytes(this.random, MASTER_KEYS_LEN);
      await this.store.write(Key.MasterKeys, bytes, basis);
      await this.store.sync();
    }
    const keys = masterKeysFrom(bytes);
    this.masterKeyCache.set(basis, keys);
    return keys;
  }

  /** The master keys of every open basis that has them, newest first; a locked basis is not there. */
  async openIdentities(): Promise<{ basis: string; keys: MasterKeys }[]> {
    const out = [];
    for (const basis of await this.store.bases()) {
      const keys = await this.masterKeys(basis);
      if (keys) out.push({ basis, keys });
    }
    return out;
  }

  forgetMasterKeys(): void {
    this.masterKeyCache.clear();
    this.store.forget();
  }

  /**
   * The counter for the next signature: the global counter's next value, unless the negative-testing command asked
   * for a replay (the last value again) or a rollback (below it), once.
   */
  async nextGlobalCounter(): Promise<number> {
    return this.overriddenCounter(await this.counter.last()) ?? this.counter.next();
  }

  /** The counter the negative-testing command asked for, given the last one really used (consumes the request). */
  overriddenCounter(last: number): number | undefined {
    const override = this.counterOverride;
    this.counterOverride = undefined;
    if (override === undefined) return undefined;
    return override === 'replay' ? last : Math.max(0, last - 1);
  }

  async pinHash(): Promise<Uint8Array | undefined> {
    const v = await this.store.read(Key.PinHash);
    return v && v.length === 17 ? v : undefined;
  }

  async pinIsSet(): Promise<boolean> {
    return (await this.pinHash()) !== undefined;
  }

  async pinRetries(): Promise<number> {
    const v = await this.store.read(Key.PinRetries);
    return v && v.length === 1 ? Math.min(v[0], MAX_PIN_RETRIES) : MAX_PIN_RETRIES;
  }

  async setPinRetries(n: number): Promise<void> {
    await this.store.write(Key.PinRetries, Uint8Array.of(n));
  }

  async flag(key: number): Promise<boolean> {
    const v = await this.store.read(key);
    return v !== undefined && v.length === 1 && v[0] === 1;
  }

  async minPinLength(): Promise<number> {
    const v = await this.store.read(Key.MinPinLength);
    return v && v.length === 1 ? v[0] : DEFAULT_MIN_PIN_LENGTH;
  }

  async minPinLengthRpIds(): Promise<string[]> {
    const v = await this.store.read(Key.MinPinLengthRpIds);
    if (!v) return [];
    try {
      return JSON.parse(new TextDecoder().decode(v)) as string[];
    } catch {
      return [];
    }
  }

  /** The selected PIN/UV auth protocol, or the status the spec gives a missing or unknown one. */
  protocol(version: number | undefined): PinProtocol {
    ensure(version !== undefined, CtapStatus.MissingParameter, 'pinUvAuthProtocol is missing');
    ensure(version === 1 || version === 2, CtapStatus.InvalidParameter, 'unsupported pinUvAuthProtocol');
    return this.protocols[version];
  }

  /**
   * Check a pinUvAuthParam made with the pinUvAuthToken over `message`, its permission and RP binding (binding an
   * unbound token to `rpId`). Returns normally when the platform proved user verification.
   */
  verifyToken(
    param: Uint8Array,
    version: number | undefined,
    message: Uint8Array,
    permission: number,
    rpId?: string,
  ): void {
    const protocol = this.protocol(version);
    ensure(this.token.inUse, CtapStatus.PinAuthInvalid, 'no pinUvAuthToken in use');
    ensure(
      protocol.verify(this.token.token, message, param),
      CtapStatus.PinAuthInvalid,
      'pinUvAuthParam does not verify',
    );
    ensure(
      (this.token.permissions & permission) !== 0,
      CtapStatus.UnauthorizedPermission,
      'the token lacks the permission',
    );
    if (rpId !== undefined) {
      ensure(
        this.token.rpId === undefined || this.token.rpId === rpId,
        CtapStatus.UnauthorizedPermission,
        'the token is bound to another RP',
      );
      this.token.rpId = rpId;
    }
  }

  /** Batch attestation material, made once per device (in .System) and kept across resets. */
  async batchAttestation(): Promise<BatchMaterial> {
    if (this.batch) return this.batch;
    const [privateKey, certificate, caCertificate] = await Promise.all([
      this.store.read(Key.AttestationPrivateKey, SYSTEM_BASIS),
      this.store.read(Key.AttestationCertificate, SYSTEM_BASIS),
      this.store.read(Key.AttestationCaCertificate, SYSTEM_BASIS),
    ]);
    if (privateKey && certificate && caCertificate) return (this.batch = { privateKey, certificate, caCertificate });
    const made = await createBatchAttestation(AAGUID, this.random);
    await this.store.write(Key.AttestationPrivateKey, made.privateKey, SYSTEM_BASIS);
    await this.store.write(Key.AttestationCertificate, made.certificate, SYSTEM_BASIS);
    await this.store.write(Key.AttestationCaCertificate, made.caCertificate, SYSTEM_BASIS);
    await this.store.sync();
    return (this.batch = made);
  }

  /** Delete every authenticator key of the open bases except the attestation material (reset). */
  async wipe(): Promise<void> {
    for (const basis of await this.store.bases()) {
      for (const key of [...(await this.store.entries(basis)).keys()]) {
        if (key >= PERSISTENT_KEYS) await this.store.remove(key, basis);
      }
    }
    this.forgetMasterKeys();
    this.counter.forget();
    this.token.revoke();
    this.protocols[1].regenerate();
    this.protocols[2].regenerate();
    this.pinFailuresThisBoot = 0;
    await this.store.sync();
  }
}

function statusOf(e: unknown): CtapStatus {
  if (e instanceof CtapError) return e.status;
  if (isPddbError(e, 'NoFreeSpace') || isPddbError(e, 'DiskFull')) return CtapStatus.KeyStoreFull;
  if (isPddbError(e, 'NotMounted')) return CtapStatus.NotAllowed;
  return CtapStatus.Other;
}

// CTAP1/U2F over APDUs (FIDO U2F raw message formats): REGISTER, AUTHENTICATE (check-only, enforce-presence,
// dont-enforce) and VERSION, with the original's poll-based presence: a request that needs presence starts a
// modal and answers 0x6985 (conditions not satisfied) until the user approved the same appId within 10 s.
// Key handles are sealed credential IDs (ES256), so CTAP2 getAssertion accepts them too (appid extension).
import { bytesToHex, concatBytes } from '@noble/hashes/utils.js';
import type { Authenticator } from '../authenticator.ts';
import { CoseAlg, generateKey, importKey, rawP256, signWith } from '../cose.ts';
import { sealId } from '../credential.ts';
import { resolveId } from '../credentials.ts';
import { Presence } from '../../ui/api.ts';
import { recordU2fApp } from './u2f-apps.ts';
import { parseApdu, U2fError } from './apdu.ts';

export enum Sw {
  NoError = 0x9000,
  ConditionsNotSatisfied = 0x6985,
  WrongData = 0x6a80,
  WrongLength = 0x6700,
  ClaNotSupported = 0x6e00,
  InsNotSupported = 0x6d00,
  Other = 0x6f00,
}

enum Ins {
  Register = 0x01,
  Authenticate = 0x02,
  Version = 0x03,
}

enum AuthenticateMode {
  EnforcePresence = 0x03,
  CheckOnly = 0x07,
  DontEnforcePresence = 0x08,
}

/** An approval counts for the same appId for this long (the original's U2F presence window). */
export const U2F_APPROVAL_WINDOW_MS = 10_000;

export class U2f {
  private readonly approvedAt = new Map<string, number>();
  private readonly asking = new Set<string>();

  constructor(private readonly auth: Authenticator) {}

  async handle(apdu: Uint8Array): Promise<Uint8Array> {
    try {
      return withSw(await this.dispatch(apdu), Sw.NoError);
    } catch (e) {
      return withSw(new Uint8Array(0), e instanceof U2fError ? e.sw : Sw.Other);
    }
  }

  private async dispatch(bytes: Uint8Array): Promise<Uint8Array> {
    const apdu = parseApdu(bytes);
    switch (apdu.ins) {
      case Ins.Version:
        if (apdu.data.length !== 0) throw new U2fError(Sw.WrongLength);
        return new TextEncoder().encode('U2F_V2');
      case Ins.Register:
        if (apdu.data.length !== 64) throw new U2fError(Sw.WrongLength);
        return this.register(apdu.data.subarray(0, 32), apdu.data.subarray(32, 64));
      case Ins.Authenticate:
        return this.authenticate(apdu.p1, apdu.data);
      default:
        throw new U2fError(Sw.InsNotSupported);
    }
  }

  private async register(challenge: Uint8Array, app: Uint8Array): Promise<Uint8Array> {
    this.requirePresence(app);
    const basis = await this.auth.store.latestBasis();
    const pair = generateKey(CoseAlg.ES256, this.auth.random);
    const handle = sealId(
      await this.auth.masterKeys(basis, true),
      app,
      { alg: CoseAlg.ES256, privateKey: pair.privateKey, credProtect: 1, stored: false },
      this.auth.random,
    );
    const pub = rawP256(pair);
    const batch = await this.auth.batchAttestation();
    const signature = signWith(
      importKey(CoseAlg.ES256, batch.privateKey),
      concatBytes(Uint8Array.of(0), app, challenge, handle, pub),
    );
    await recordU2fApp(this.auth, app);
    await this.auth.store.sync();
    return concatBytes(Uint8Array.of(0x05), pub, Uint8Array.of(handle.length), handle, batch.certificate, signature);
  }

  private async authenticate(mode: number, data: Uint8Array): Promise<Uint8Array> {
    if (
      mode !== AuthenticateMode.EnforcePresence &&
      mode !== AuthenticateMode.CheckOnly &&
      mode !== AuthenticateMode.DontEnforcePresence
    ) {
      throw new U2fError(Sw.WrongData);
    }
    if (data.length < 65 || data.length !== 65 + data[64]) throw new U2fError(Sw.WrongLength);
    const challenge = data.subarray(0, 32);
    const app = data.subarray(32, 64);
    const cred = await resolveId(this.auth, app, data.subarray(65));
    if (!cred || cred.alg !== CoseAlg.ES256) throw new U2fError(Sw.WrongData);
    // Check-only: "this key handle is mine" is answered with conditions-not-satisfied, as the spec has it.
    if (mode === AuthenticateMode.CheckOnly) throw new U2fError(Sw.ConditionsNotSatisfied);
    const up = mode === AuthenticateMode.EnforcePresence;
    if (up) this.requirePresence(app);
    const counter = await this.auth.nextGlobalCounter();
    await recordU2fApp(this.auth, app);
    await this.auth.store.sync();
    const head = new Uint8Array(5);
    head[0] = up ? 1 : 0;
    new DataView(head.buffer).setUint32(1, counter);
    const signature = signWith(importKey(cred.alg, cred.privateKey), concatBytes(app, head, challenge));
    return concatBytes(head, signature);
  }

  /** Consume a recent approval for `app`, or start asking (once) and answer 0x6985 so the host polls. */
  private requirePresence(app: Uint8Array): void {
    const key = bytesToHex(app);
    const at = this.approvedAt.get(key);
    if (at !== undefined && this.auth.now() - at <= U2F_APPROVAL_WINDOW_MS) {
      this.approvedAt.delete(key);
      return;
    }
    if (!this.asking.has(key)) {
      this.asking.add(key);
      void this.auth.ui
        .requestPresence('u2f', `U2F ${key.slice(0, 16)}`, '')
        .then((outcome) => {
          if (outcome === Presence.Approved) this.approvedAt.set(key, this.auth.now());
        })
        .catch(() => undefined)
        .finally(() => this.asking.delete(key));
    }
    throw new U2fError(Sw.ConditionsNotSatisfied);
  }
}

function withSw(data: Uint8Array, sw: Sw): Uint8Array {
  return concatBytes(data, Uint8Array.of(sw >> 8, sw & 0xff));
}

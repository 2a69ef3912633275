// The pinUvAuthToken (CTAP 2.1 section 6.5.2.1): one random token for both protocols, regenerated at boot and on
// every new grant, with its permissions, its optional RP binding, and a lifetime.
import { randomBytes, type Random } from '../../lib/random.ts';

export enum Permission {
  MakeCredential = 0x01,
  GetAssertion = 0x02,
  CredentialManagement = 0x04,
  BioEnrollment = 0x08,
  LargeBlobWrite = 0x10,
  AuthenticatorConfig = 0x20,
}

/** A token lives at most this long after it is granted (the spec's maximum usage period is up to the authenticator). */
export const TOKEN_LIFETIME_MS = 10 * 60 * 1000;

export class PinToken {
  token: Uint8Array;
  permissions = 0;
  rpId: string | undefined;
  private grantedAt = -Infinity;

  constructor(
    private readonly random: Random,
    private readonly now: () => number,
  ) {
    this.token = randomBytes(random, 32);
  }

  grant(permissions: number, rpId: string | undefined): Uint8Array {
    this.token = randomBytes(this.random, 32);
    this.permissions = permissions;
    this.rpId = rpId;
    this.grantedAt = this.now();
    return this.token;
  }

  get inUse(): boolean {
    return this.now() - this.grantedAt < TOKEN_LIFETIME_MS;
  }

  revoke(): void {
    this.grantedAt = -Infinity;
    this.permissions = 0;
    this.rpId = undefined;
    this.token = randomBytes(this.random, 32);
  }
}

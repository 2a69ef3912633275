// A relying party as a website runs one, on @simplewebauthn/server: registration and sign-in options with fresh
// challenges, and verification of what the authenticator answered. Users and credentials live in memory: this is
// the demo's "website", used by the demo RP page and by `pvault demo`.
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import { WebError } from './error-reply.ts';

interface Account {
  name: string;
  credentials: WebAuthnCredential[];
}

export interface RpSite {
  rpId: string;
  origin: string;
}

/** Challenges wait this long for their answer (WebAuthn's default timeout is 5 minutes; the device's modal 30 s). */
const CHALLENGE_TTL_MS = 120_000;
const MAX_ACCOUNTS = 1000;

export class DemoRelyingParty {
  private readonly accounts = new Map<string, Account>();
  private readonly challenges = new Map<string, { challenge: string; expires: number }>();

  constructor(readonly rpName = 'pvault demo RP') {}

  async registrationOptions(site: RpSite, userName: string) {
    const account = this.accounts.get(userName) ?? { name: userName, credentials: [] };
    if (!this.accounts.has(userName) && this.accounts.size >= MAX_ACCOUNTS)
      throw new WebError(429, 'TooManyAccounts', 'the demo RP holds enough accounts');
    this.accounts.set(userName, account);
    const options = await generateRegistrationOptions({
      rpName: this.rpName,
      rpID: site.rpId,
      userName,
      userDisplayName: userName,
      attestationType: 'direct',
      excludeCredentials: account.credentials.map((c) => ({ id: c.id })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'discouraged' },
      supportedAlgorithmIDs: [-7, -8, -257],
    });
    this.remember(`reg:${userName}`, options.challenge);
    return options;
  }

  async verifyRegistration(site: RpSite, userName: string, response: RegistrationResponseJSON) {
    const account = this.accounts.get(userName);
    const expectedChallenge = this.take(`reg:${userName}`);
    if (!account || !expectedChallenge) throw new WebError(400, 'NoChallenge', 'ask for registration options first');
    const v = await verifyRegistrationResponse({
      response,
      expectedChallenge,
      expectedOrigin: site.origin,
      expectedRPID: site.rpId,
      requireUserVerification: false,
    }).catch((e: Error) => refused(e));
    if (!v.verified || !v.registrationInfo) throw new WebError(400, 'NotVerified', 'the registration did not verify');
    account.credentials.push(v.registrationInfo.credential);
    return { verified: true, credentialId: v.registrationInfo.credential.id, fmt: v.registrationInfo.fmt };
  }

  async authenticationOptions(site: RpSite, userName: string) {
    const account = this.accounts.get(userName);
    if (!account || account.credentials.length === 0) throw new WebError(404, 'NoAccount', 'register first');
    const options = await generateAuthenticationOptions({
      rpID: site.rpId,
      allowCredentials: account.credentials.map((c) => ({ id: c.id })),
      userVerification: 'discouraged',
    });
    this.remember(`auth:${userName}`, options.challenge);
    return options;
  }

  async verifyAuthentication(site: RpSite, userName: string, response: AuthenticationResponseJSON) {
    const account = this.accounts.get(userName);
    const expectedChallenge = this.take(`auth:${userName}`);
    const credential = account?.credentials.find((c) => c.id === response.id);
    if (!account || !expectedChallenge) throw new WebError(400, 'NoChallenge', 'ask for sign-in options first');
    if (!credential) throw new WebError(400, 'UnknownCredential', 'that credential is not registered here');
    const v = await verifyAuthenticationResponse({
      response,
      expectedChallenge,
      expectedOrigin: site.origin,
      expectedRPID: site.rpId,
      credential,
      requireUserVerification: false,
    }).catch((e: Error) => refused(e));
    if (!v.verified) throw new WebError(400, 'NotVerified', 'the sign-in did not verify');
    credential.counter = v.authenticationInfo.newCounter;
    return { verified: true, counter: credential.counter };
  }

  private remember(key: string, challenge: string): void {
    const now = Date.now();
    for (const [k, c] of this.challenges) if (c.expires < now) this.challenges.delete(k);
    this.challenges.set(key, { challenge, expires: now + CHALLENGE_TTL_MS });
  }

  /** A challenge is good once. */
  private take(key: string): string | undefined {
    const c = this.challenges.get(key);
    this.challenges.delete(key);
    return c && c.expires >= Date.now() ? c.challenge : undefined;
  }
}

/** The library explains why a response failed (wrong origin, bad signature): a 400 with its reason, no secrets. */
function refused(e: Error): never {
  throw new WebError(400, 'NotVerified', e.message.slice(0, 200));
}

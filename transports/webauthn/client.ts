// The WebAuthn client: the browser's role in front of the emulated authenticator. create()/get() take the options
// JSON a relying party sends (@simplewebauthn/server's generate*Options) and return the response JSON it verifies.
// Any CTAP transport works: the FIDO server's IPC client in-process, or a CTAPHID socket to a running `pvault serve`.
// Failures are what a page would see: DOMException by name, or TypeError for options of the wrong shape.
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { defaultRandom, type Random } from '../../lib/random.ts';
import { CtapError } from '../../vault/fido/status.ts';
import { CtaphidHostClient } from '../ctaphid/host-client.ts';
import { getAssertion } from './authentication.ts';
import { CtapPlatform, type CtapTransport } from './ctap-platform.ts';
import { domError, fromCtap } from './dom-error.ts';
import { createCredential } from './registration.ts';
import type { NegativeSwitches } from './switches.ts';

export interface WebAuthnClientOptions {
  /** The authenticator's PIN (CTAP clientPIN), used for user verification when the RP asks for it. */
  pin?: string;
  random?: Random;
  switches?: NegativeSwitches;
}

export interface CeremonyOptions {
  /** The page's origin: https://host[:port], or http://localhost[:port]. */
  origin: string;
}

export class WebAuthnClient {
  private readonly platform: CtapPlatform;
  /** Negative-testing switches, changeable between ceremonies. */
  switches: NegativeSwitches;
  pin?: string;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(transport: CtapTransport, opts: WebAuthnClientOptions = {}) {
    this.platform = new CtapPlatform(transport, opts.random ?? defaultRandom);
    this.switches = { ...opts.switches };
    this.pin = opts.pin;
  }

  /** A client over CTAPHID to a running `pvault serve` (tcp:HOST:PORT or unix:PATH); close() when done. */
  static async connect(address: string, opts: WebAuthnClientOptions = {}): Promise<WebAuthnClient & { close(): void }> {
    const hid = await CtaphidHostClient.connect(address, opts.random);
    return Object.assign(new WebAuthnClient(hid, opts), { close: () => hid.close() });
  }

  create(optionsJSON: unknown, opts: CeremonyOptions): Promise<RegistrationResponseJSON> {
    return this.ceremony(() => createCredential(this.platform, optionsJSON, this.context(opts)));
  }

  get(optionsJSON: unknown, opts: CeremonyOptions): Promise<AuthenticationResponseJSON> {
    return this.ceremony(() => getAssertion(this.platform, optionsJSON, this.context(opts)));
  }

  private context(opts: CeremonyOptions) {
    if (typeof opts?.origin !== 'string') throw new TypeError('the origin is required');
    return { origin: opts.origin, pin: this.pin, switches: this.switches };
  }

  /** One ceremony at a time, as a browser shows one WebAuthn dialog; failures as a page sees them. */
  private ceremony<T>(run: () => Promise<T>): Promise<T> {
    const p = this.chain.then(async () => {
      try {
        return await run();
      } catch (e) {
        if (e instanceof DOMException || e instanceof TypeError) throw e;
        if (e instanceof CtapError) throw fromCtap(e);
        throw domError('NotAllowedError', 'the authenticator could not complete the request');
      }
    });
    this.chain = p.catch(() => {});
    return p;
  }
}

// The WebAuthn client's public entry point.
export { WebAuthnClient, type WebAuthnClientOptions, type CeremonyOptions } from './client.ts';
export type { NegativeSwitches } from './switches.ts';
export type { CtapTransport } from './ctap-platform.ts';

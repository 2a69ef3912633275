// The real-browser bridge's public entry point (playwright-core and a Chromium are the caller's).
export { installWebAuthnBridge, CHROMIUM_ARGS, CHROMIUM_PATH, type BridgeTarget } from './bridge.ts';

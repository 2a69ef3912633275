// Reading creation and request options JSON as a browser's parse*OptionsFromJSON does: required members present
// with the right types (TypeError otherwise), base64url fields decoded (EncodingError when they are not base64url),
// enum values a browser does not know fall back to the default. Only known members are read.
import { domError } from './dom-error.ts';

export type UserVerification = 'required' | 'preferred' | 'discouraged';
export type Attestation = 'none' | 'indirect' | 'direct' | 'enterprise';

export interface CredentialDescriptor {
  id: Uint8Array;
  transports?: string[];
}

export interface CreationOptions {
  challenge: string;
  rp: { id?: string; name: string };
  user: { id: Uint8Array; name: string; displayName: string };
  algorithms: number[];
  excludeCredentials: CredentialDescriptor[];
  residentKey: 'required' | 'preferred' | 'discouraged';
  userVerification: UserVerification;
  attestation: Attestation;
  extensions: Record<string, unknown>;
}

export interface RequestOptions {
  challenge: string;
  rpId?: string;
  allowCredentials: CredentialDescriptor[];
  userVerification: UserVerification;
  extensions: Record<string, unknown>;
}

/** WebAuthn: user.id is 1..64 bytes. */
const MAX_USER_ID = 64;

export function parseCreationOptions(json: unknown): CreationOptions {
  const o = object(json, 'options');
  const rp = object(o.rp, 'rp');
  const user = object(o.user, 'user');
  const userId = b64u(user.id, 'user.id');
  if (userId.length < 1 || userId.length > MAX_USER_ID) throw new TypeError('user.id must be 1 to 64 bytes');
  const params = list(o.pubKeyCredParams, 'pubKeyCredParams').map((p, i) => object(p, `pubKeyCredParams[${i}]`));
  const algorithms = params
    .filter((p) => string(p.type, 'pubKeyCredParams.type') === 'public-key')
    .map((p) => integer(p.alg, 'pubKeyCredParams.alg'));
  const sel = o.authenticatorSelection === undefined ? {} : object(o.authenticatorSelection, 'authenticatorSelection');
  const requireResident =
    sel.requireResidentKey === undefined ? false : bool(sel.requireResidentKey, 'requireResidentKey');
  const residentKey = oneOf(
    sel.residentKey,
    ['required', 'preferred', 'discouraged'],
    requireResident ? 'required' : 'discouraged',
  );
  return {
    challenge: b64uString(o.challenge, 'challenge'),
    rp: { id: optString(rp.id, 'rp.id'), name: string(rp.name, 'rp.name') },
    user: {
      id: userId,
      name: string(user.name, 'user.name'),
      displayName: string(user.displayName, 'user.displayName'),
    },
    // An empty list means the browser's default: ES256 and RS256.
    algorithms: params.length === 0 ? [-7, -257] : algorithms,
    excludeCredentials: descriptors(o.excludeCredentials, 'excludeCredentials'),
    residentKey,
    userVerification: oneOf(sel.userVerification, ['required', 'preferred', 'discouraged'], 'preferred'),
    attestation: oneOf(o.attestation, ['none', 'indirect', 'direct', 'enterprise'], 'none'),
    extensions: o.extensions === undefined ? {} : object(o.extensions, 'extensions'),
  };
}

export function parseRequestOptions(json: unknown): RequestOptions {
  const o = object(json, 'options');
  return {
    challenge: b64uString(o.challenge, 'challenge'),
    rpId: optString(o.rpId, 'rpId'),
    allowCredentials: descriptors(o.allowCredentials, 'allowCredentials'),
    userVerification: oneOf(o.userVerification, ['required', 'preferred', 'discouraged'], 'preferred'),
    extensions: o.extensions === undefined ? {} : object(o.extensions, 'extensions'),
  };
}

function descriptors(v: unknown, what: string): CredentialDescriptor[] {
  if (v === undefined) return [];
  return list(v, what)
    .map((d, i) => object(d, `${what}[${i}]`))
    .filter((d) => string(d.type, `${what}.type`) === 'public-key')
    .map((d) => ({
      id: b64u(d.id, `${what}.id`),
      transports:
        d.transports === undefined
          ? undefined
          : list(d.transports, `${what}.transports`).map((t) => string(t, `${what}.transports`)),
    }));
}

export function object(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new TypeError(`${what} must be an object`);
  return v as Record<string, unknown>;
}

function list(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new TypeError(`${what} must be an array`);
  return v;
}

function string(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new TypeError(`${what} must be a string`);
  return v;
}

function optString(v: unknown, what: string): string | undefined {
  return v === undefined ? undefined : string(v, what);
}

function bool(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') throw new TypeError(`${what} must be a boolean`);
  return v;
}

function integer(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) > 2 ** 31)
    throw new TypeError(`${what} must be an integer`);
  return v;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  const s = string(v, 'enum member');
  return (allowed as readonly string[]).includes(s) ? (s as T) : fallback;
}

/** The base64url text itself (the challenge goes into clientDataJSON as the page gave it, re-encoded canonically). */
function b64uString(v: unknown, what: string): string {
  return Buffer.from(b64u(v, what)).toString('base64url');
}

export function b64u(v: unknown, what: string): Uint8Array {
  const s = string(v, what);
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(s) || s.replace(/=+$/, '').length % 4 === 1)
    throw domError('EncodingError', `${what} is not base64url`);
  return new Uint8Array(Buffer.from(s, 'base64url'));
}

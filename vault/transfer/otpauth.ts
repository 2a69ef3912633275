// otpauth:// URIs (Google's Key Uri Format): otpauth://TYPE/LABEL?secret=...&issuer=...&algorithm=...&digits=...
// &period=... (totp) or &counter=... (hotp). The label is "Issuer:account" or "account" (URL-encoded; ':' may be
// %3A). Our entry name is the whole label, "Issuer:account" when an issuer is known, so the same account at two
// services are two entries; the issuer is kept too, so an export gives back the same URI parameters.
import { VaultError } from '../records/errors.ts';
import { isAlgorithm, type TotpRecord } from '../totp/record.ts';
import { normalizeSecret } from '../totp/secret.ts';
import type { NewTotp } from '../totp/client.ts';

export const OTPAUTH_MAX = 4096;

export function parseOtpauth(uri: string): NewTotp {
  if (uri.length > OTPAUTH_MAX) throw new VaultError('TooLarge', `an otpauth URI is at most ${OTPAUTH_MAX} characters`);
  let url: URL;
  try {
    url = new URL(uri.trim());
  } catch {
    throw new VaultError('BadFormat', 'not a URI');
  }
  if (url.protocol !== 'otpauth:') throw new VaultError('BadFormat', 'not an otpauth:// URI');
  const type = url.hostname.toLowerCase();
  if (type !== 'totp' && type !== 'hotp') throw new VaultError('Unsupported', `otpauth type must be totp or hotp`);
  let label: string;
  try {
    label = decodeURIComponent(url.pathname.replace(/^\//, '')).trim();
  } catch {
    throw new VaultError('BadFormat', 'the label is not valid percent-encoding');
  }
  // URLSearchParams reads '+' as a space, as an HTML form would; apps writing otpauth URIs mean space too.
  const q = url.searchParams;
  for (const k of ['secret', 'issuer', 'algorithm', 'digits', 'period', 'counter']) {
    if (q.getAll(k).length > 1) throw new VaultError('BadFormat', `parameter '${k}' given twice`);
  }
  const secretText = q.get('secret');
  if (secretText === null) throw new VaultError('BadSecret', 'the URI has no secret');
  const secret = normalizeSecret(secretText);
  const colon = label.indexOf(':');
  const labelIssuer = colon >= 0 ? label.slice(0, colon).trim() : '';
  const account = colon >= 0 ? label.slice(colon + 1).trim() : label;
  // Both given and different: the parameter is the issuer (Google's spec); the label's prefix stays in the name.
  const issuer = (q.get('issuer') ?? labelIssuer).trim();
  const name = issuer !== '' ? `${labelIssuer || issuer}:${account}` : account;
  if (name === '' || account === '') throw new VaultError('InvalidInput', 'the URI has no account name');
  const algorithm = (q.get('algorithm') ?? 'SHA1').toUpperCase();
  if (!isAlgorithm(algorithm)) throw new VaultError('Unsupported', 'algorithm must be SHA1, SHA256 or SHA512');
  const digits = intParam(q.get('digits'), 'digits', 6);
  const hotp = type === 'hotp';
  const timestep = hotp ? intParam(q.get('counter'), 'counter', 0) : intParam(q.get('period'), 'period', 30);
  return { name, issuer, secret, algorithm, digits, timestep, hotp, notes: '' };
}

function intParam(v: string | null, what: string, fallback: number): number {
  if (v === null) return fallback;
  if (!/^[0-9]{1,16}$/.test(v)) throw new VaultError('InvalidInput', `${what} is not a whole number`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new VaultError('InvalidInput', `${what} is too large`);
  return n;
}

/** The issuer and account of an entry: the name's "Issuer:" prefix is the issuer's when it matches. */
export function splitName(r: Pick<TotpRecord, 'name' | 'issuer'>): { issuer: string; account: string } {
  if (r.issuer !== '' && r.name.startsWith(`${r.issuer}:`))
    return { issuer: r.issuer, account: r.name.slice(r.issuer.length + 1) };
  return { issuer: r.issuer, account: r.name };
}

export function formatOtpauth(
  r: Pick<TotpRecord, 'name' | 'issuer' | 'secret' | 'algorithm' | 'digits' | 'timestep' | 'hotp'>,
): string {
  const colon = r.name.indexOf(':');
  const label =
    colon >= 0
      ? `${encodeURIComponent(r.name.slice(0, colon))}:${encodeURIComponent(r.name.slice(colon + 1))}`
      : encodeURIComponent(r.name);
  const q = new URLSearchParams({ secret: r.secret });
  if (r.issuer !== '') q.set('issuer', r.issuer);
  q.set('algorithm', r.algorithm);
  q.set('digits', String(r.digits));
  q.set(r.hotp ? 'counter' : 'period', String(r.hotp ? r.timestep : r.timestep || 1));
  return `otpauth://${r.hotp ? 'hotp' : 'totp'}/${label}?${q.toString().replace(/\+/g, '%20')}`;
}

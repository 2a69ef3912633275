// The browser's origin and RP ID rules (WebAuthn section 5.1.3 and HTML's "registrable domain suffix"): a secure
// context (https, or http on localhost), and an RP ID equal to the origin's host or a suffix of it on a label
// boundary. Without the Public Suffix List, a single-label RP ID other than localhost, and an IP address that is
// not the host itself, are refused (so "com" never works as an RP ID).
import { isIP } from 'node:net';
import { domError } from './dom-error.ts';

/** The effective RP ID: `rpId` when given and allowed for `origin`, else the origin's host. */
export function effectiveRpId(origin: string, rpId: string | undefined): string {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw domError('SecurityError', 'the origin is not a URL');
  }
  if (url.origin !== origin.replace(/\/$/, ''))
    throw domError('SecurityError', 'the origin must be scheme://host[:port] only');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const local = host === 'localhost' || host.endsWith('.localhost');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    throw domError('SecurityError', 'WebAuthn needs a secure context: https, or http on localhost');
  }
  if (rpId === undefined) return host;
  const id = rpId.toLowerCase();
  if (id === host) return id;
  const suffixOk = !isIP(host) && host.endsWith('.' + id) && (id.includes('.') || id === 'localhost') && !isIP(id);
  if (!suffixOk) throw domError('SecurityError', 'the RP ID is not a registrable suffix of the origin');
  return id;
}

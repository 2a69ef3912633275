// Bitwarden's unencrypted JSON export: items of type 1 (login) become password entries (description = item name),
// and a login's `totp` becomes a TOTP entry: an otpauth:// URI with its real parameters, or a bare base32 secret
// (Bitwarden's defaults SHA1 / 6 / 30). Steam codes and the other item types are refused, by position.
import { VaultError } from '../records/errors.ts';
import { normalizeSecret } from '../totp/secret.ts';
import { collect, isObject, str, type ImportBatch } from './batch.ts';
import { parseOtpauth } from './otpauth.ts';

export function isBitwarden(doc: unknown): boolean {
  return isObject(doc) && Array.isArray(doc.items);
}

export function importBitwarden(doc: unknown, batch: ImportBatch): void {
  if (!isObject(doc) || !Array.isArray(doc.items)) throw new VaultError('BadFormat', 'not a Bitwarden JSON export');
  if (doc.encrypted === true)
    throw new VaultError('Unsupported', 'an encrypted Bitwarden export: export it unencrypted');
  doc.items.forEach((item: unknown, i: number) => {
    const where = `item ${i + 1}`;
    if (!isObject(item) || item.type !== 1 || !isObject(item.login)) {
      batch.refused.push({ where, reason: 'not a login item' });
      return;
    }
    const login = item.login;
    collect(batch, where, () => ({
      password: {
        description: str(item, 'name', 'name'),
        username: str(login, 'username', 'username'),
        password: str(login, 'password', 'password'),
        notes: str(item, 'notes', 'notes'),
      },
    }));
    const totp = str(login, 'totp', 'totp').trim();
    if (totp === '') return;
    collect(batch, `${where} (TOTP)`, () => {
      if (/^steam:\/\//i.test(totp)) throw new VaultError('Unsupported', 'Steam Guard codes are not supported');
      if (/^otpauth:/i.test(totp)) return { totp: parseOtpauth(totp) };
      const issuer = str(item, 'name', 'name').trim();
      const user = str(login, 'username', 'username').trim();
      return {
        totp: {
          name: user ? `${issuer}:${user}` : issuer,
          issuer,
          secret: normalizeSecret(totp),
          algorithm: 'SHA1',
          digits: 6,
          timestep: 30,
          hotp: false,
          notes: '',
        },
      };
    });
  });
}

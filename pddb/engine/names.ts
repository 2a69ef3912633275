// Name rules of the original (basis 63, dict 110, key 94 bytes of UTF-8), checked before anything touches flash.
// Empty names and NUL bytes are refused too: the on-flash fields are length-prefixed, but the original's tools and
// C-string handling treat NUL as an end. Strings that are not well-formed UTF-16 (a lone surrogate) are refused:
// UTF-8 encoding would silently turn them into U+FFFD, so the name read back from flash would not be the name
// given (a basis made that way could never be unlocked again, a key would change its name at the next mount).
import { PddbError } from '../errors.ts';
import { BASIS_NAME_MAX, DICT_NAME_MAX, KEY_NAME_MAX, PASSWORD_MAX } from '../format/constants.ts';

/** With the u flag, a surrogate code unit only matches when it is not part of a pair. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function check(kind: string, name: unknown, max: number): string {
  if (typeof name !== 'string' || name.length === 0) throw new PddbError('InvalidName', `${kind} name is empty`);
  if (name.includes('\0')) throw new PddbError('InvalidName', `${kind} name contains NUL`);
  if (LONE_SURROGATE.test(name))
    throw new PddbError('InvalidName', `${kind} name is not valid Unicode (lone surrogate)`);
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > max) throw new PddbError('InvalidName', `${kind} name is ${bytes} bytes (at most ${max})`);
  return name;
}

export const checkBasisName = (name: unknown) => check('basis', name, BASIS_NAME_MAX);
export const checkDictName = (name: unknown) => check('dict', name, DICT_NAME_MAX);
export const checkKeyName = (name: unknown) => check('key', name, KEY_NAME_MAX);

export function checkPassword(password: unknown): string {
  if (typeof password !== 'string') throw new PddbError('InvalidArgument', 'password must be a string');
  // Two different lone surrogates would both encode as U+FFFD: two passwords, one key.
  if (LONE_SURROGATE.test(password))
    throw new PddbError('InvalidArgument', 'password is not valid Unicode (lone surrogate)');
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX) {
    throw new PddbError('InvalidArgument', `password is longer than ${PASSWORD_MAX} bytes`);
  }
  return password;
}

// Field rules shared by the vault records.
import { VaultError } from './errors.ts';

/** A text field: UTF-8 length within `max`, no newline (the record format has no escape), no NUL. */
export function checkText(field: string, value: string, max: number, required: boolean): void {
  if (typeof value !== 'string') throw new VaultError('InvalidInput', `${field} must be text`);
  if (required && value.length === 0) throw new VaultError('InvalidInput', `${field} is empty`);
  if (/[\n\r\0]/.test(value)) throw new VaultError('InvalidInput', `${field} contains a newline or NUL`);
  if (new TextEncoder().encode(value).length > max)
    throw new VaultError('InvalidInput', `${field} is over ${max} bytes`);
  if (LONE_SURROGATE.test(value)) throw new VaultError('InvalidInput', `${field} is not valid Unicode`);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

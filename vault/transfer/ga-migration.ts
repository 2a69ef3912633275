// Google Authenticator's export: otpauth-migration://offline?data=BASE64 where data is a MigrationPayload protobuf
// (decoded with protobufjs from the schema below). An export of many accounts comes as several such URIs
// (batches), one per line of the import file.
import protobuf from 'protobufjs';
import { base64 } from '@scure/base';
import { VaultError } from '../records/errors.ts';
import { encodeSecret } from '../totp/secret.ts';
import { collect, type ImportBatch } from './batch.ts';

const SCHEMA = `syntax = "proto3";
message MigrationPayload {
  enum Algorithm { ALGORITHM_UNSPECIFIED = 0; SHA1 = 1; SHA256 = 2; SHA512 = 3; MD5 = 4; }
  enum DigitCount { DIGIT_COUNT_UNSPECIFIED = 0; SIX = 1; EIGHT = 2; }
  enum OtpType { OTP_TYPE_UNSPECIFIED = 0; HOTP = 1; TOTP = 2; }
  message OtpParameters {
    bytes secret = 1; string name = 2; string issuer = 3; Algorithm algorithm = 4; DigitCount digits = 5;
    OtpType type = 6; int64 counter = 7;
  }
  repeated OtpParameters otp_parameters = 1;
  int32 version = 2; int32 batch_size = 3; int32 batch_index = 4; int32 batch_id = 5;
}`;

const Payload = protobuf.parse(SCHEMA, { keepCase: true }).root.lookupType('MigrationPayload');

/** A payload is a QR code's worth: anything much bigger is not from the app. */
export const MIGRATION_DATA_MAX = 64 * 1024;

interface OtpParameters {
  secret: Uint8Array;
  name: string;
  issuer: string;
  algorithm: number;
  digits: number;
  type: number;
  counter: number;
}

const ALGORITHM = [undefined, 'SHA1', 'SHA256', 'SHA512'] as const;

export function decodeMigrationUri(uri: string): OtpParameters[] {
  const m = /^otpauth-migration:\/\/offline\?(?:.*&)?data=([^&]*)/i.exec(uri.trim());
  if (!m) throw new VaultError('BadFormat', 'not an otpauth-migration://offline?data= URI');
  let bytes: Uint8Array;
  try {
    // '+' is base64, not a space here; producers differ on padding.
    const b64 = decodeURIComponent(m[1]).replace(/ /g, '+').replace(/=+$/, '');
    if (b64.length > (MIGRATION_DATA_MAX * 4) / 3 + 4) throw new VaultError('TooLarge', 'migration data over 64 KiB');
    bytes = base64.decode(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  } catch (e) {
    if (e instanceof VaultError) throw e;
    throw new VaultError('BadFormat', 'the migration data is not base64');
  }
  let msg: protobuf.Message;
  try {
    msg = Payload.decode(bytes);
  } catch {
    throw new VaultError('BadFormat', 'the migration data is not a valid MigrationPayload (truncated or corrupt)');
  }
  const o = Payload.toObject(msg, { longs: Number, enums: Number, bytes: Uint8Array, defaults: true }) as {
    otp_parameters: OtpParameters[];
  };
  return o.otp_parameters;
}

export function importMigration(text: string, batch: ImportBatch): void {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  lines.forEach((line, li) => {
    decodeMigrationUri(line).forEach((p, i) =>
      collect(batch, `line ${li + 1}, account ${i + 1}`, () => {
        const algorithm = ALGORITHM[p.algorithm === 0 ? 1 : p.algorithm];
        if (!algorithm) throw new VaultError('Unsupported', 'MD5 (or an unknown algorithm) is not supported');
        if (p.digits > 2) throw new VaultError('Unsupported', 'unknown digit count');
        if (p.type > 2) throw new VaultError('Unsupported', 'unknown OTP type');
        const hotp = p.type === 1;
        if (hotp && (!Number.isSafeInteger(p.counter) || p.counter < 0))
          throw new VaultError('InvalidInput', 'bad HOTP counter');
        const issuer = p.issuer.trim();
        const account =
          p.name.includes(':') && issuer !== '' && p.name.startsWith(`${issuer}:`)
            ? p.name.slice(issuer.length + 1)
            : p.name;
        return {
          totp: {
            name: issuer !== '' ? `${issuer}:${account}` : account,
            issuer,
            secret: encodeSecret(p.secret),
            algorithm,
            digits: p.digits === 2 ? 8 : 6,
            timestep: hotp ? p.counter : 30,
            hotp,
            notes: '',
          },
        };
      }),
    );
  });
}

/** For tests and tools: a migration URI for these accounts (the app's own encoding). */
export function encodeMigrationUri(params: Partial<OtpParameters>[], batch = { index: 0, size: 1, id: 1 }): string {
  const msg = Payload.fromObject({
    otp_parameters: params,
    version: 1,
    batch_size: batch.size,
    batch_index: batch.index,
    batch_id: batch.id,
  });
  return `otpauth-migration://offline?data=${encodeURIComponent(base64.encode(Payload.encode(msg).finish()))}`;
}

// CTAP2 status codes (CTAP 2.1 section 8.2), one enum as OpenSK keeps them, and the error every command throws to
// answer with one. Messages are for developers: they name the parameter, never a value (PINs, keys, user data).
export enum CtapStatus {
  Ok = 0x00,
  InvalidCommand = 0x01,
  InvalidParameter = 0x02,
  InvalidLength = 0x03,
  InvalidSeq = 0x04,
  Timeout = 0x05,
  ChannelBusy = 0x06,
  LockRequired = 0x0a,
  InvalidChannel = 0x0b,
  CborUnexpectedType = 0x11,
  InvalidCbor = 0x12,
  MissingParameter = 0x14,
  LimitExceeded = 0x15,
  FpDatabaseFull = 0x17,
  LargeBlobStorageFull = 0x18,
  CredentialExcluded = 0x19,
  Processing = 0x21,
  InvalidCredential = 0x22,
  UserActionPending = 0x23,
  OperationPending = 0x24,
  NoOperations = 0x25,
  UnsupportedAlgorithm = 0x26,
  OperationDenied = 0x27,
  KeyStoreFull = 0x28,
  UnsupportedOption = 0x2b,
  InvalidOption = 0x2c,
  KeepaliveCancel = 0x2d,
  NoCredentials = 0x2e,
  UserActionTimeout = 0x2f,
  NotAllowed = 0x30,
  PinInvalid = 0x31,
  PinBlocked = 0x32,
  PinAuthInvalid = 0x33,
  PinAuthBlocked = 0x34,
  PinNotSet = 0x35,
  PuatRequired = 0x36,
  PinPolicyViolation = 0x37,
  RequestTooLarge = 0x39,
  ActionTimeout = 0x3a,
  UpRequired = 0x3b,
  UvBlocked = 0x3c,
  IntegrityFailure = 0x3d,
  InvalidSubcommand = 0x3e,
  UvInvalid = 0x3f,
  UnauthorizedPermission = 0x40,
  Other = 0x7f,
}

export class CtapError extends Error {
  override name = 'CtapError';
  constructor(
    readonly status: CtapStatus,
    message = CtapStatus[status],
  ) {
    super(message);
  }
}

/** Throw `status` unless `cond` holds. */
export function ensure(cond: unknown, status: CtapStatus, message?: string): asserts cond {
  if (!cond) throw new CtapError(status, message);
}

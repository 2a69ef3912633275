// The authenticator's fixed facts and limits (the original's where it has one), in one place that every command
// file can import without importing the authenticator.

/** The original's AAGUID. */
export const AAGUID = Uint8Array.from(Buffer.from('48e0371c325257f7d2f0000fbd7a8919', 'hex'));
export const MAX_PIN_RETRIES = 8;
export const MAX_PIN_FAILURES_PER_BOOT = 3;
export const DEFAULT_MIN_PIN_LENGTH = 4;
export const RESET_WINDOW_MS = 20_000;
/** CTAPHID's largest message, as getInfo reports it. */
export const MAX_MSG_SIZE = 7609;
/** getInfo's maxCredentialCountInList and maxCredentialIdLength: longer lists are refused with LIMIT_EXCEEDED. */
export const MAX_CREDENTIAL_COUNT_IN_LIST = 8;
export const MAX_CREDENTIAL_ID_LENGTH = 1023;

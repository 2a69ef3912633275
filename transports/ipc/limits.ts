// The kernel limits of the original (xous kernel services.rs, process.rs; xous-names; xous-ipc).

export const PAGE_SIZE = 4096;
/** Connection slots per process (process.rs: connection_map: [Option<NonZeroU8>; 32]). */
export const MAX_CONNECTIONS = 32;
/** CIDs 0 and 1 are reserved: the first slot is CID 2, as in the original. */
export const FIRST_CID = 2;
/** Server table size (services.rs: MAX_SERVER_COUNT). */
export const MAX_SERVERS = 128;
/** A registered name is at most 63 UTF-8 bytes (xous-names). */
export const MAX_NAME_BYTES = 63;
/** Messages a server's queue holds before send waits and try_send fails. */
export const QUEUE_DEPTH = 128;

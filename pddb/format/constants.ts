// Constants of the Xous PDDB on-flash format v0x201 (services/pddb/src/backend in xous-core).

/** Physical flash page; also the erase sector of our NOR model. */
export const PAGE_SIZE = 4096;
/** Bytes of payload in one data page: 4096 - nonce(12) - tag(16) - journal(4). Virtual addresses count in these. */
export const VPAGE_SIZE = 4064;
export const NONCE_SIZE = 12;
export const TAG_SIZE = 16;
export const JOURNAL_SIZE = 4;
export const PTE_SIZE = 16;
export const PDDB_VERSION = 0x201;

/** The Precursor's PDDB region: 98 MiB = 25,088 pages. */
export const PRECURSOR_PDDB_LEN = 0x0620_0000;
/** Test builds and hosted mode of the original use 4 MiB. */
export const TEST_PDDB_LEN = 4 * 1024 * 1024;

export const SYSTEM_BASIS_NAME = '.System';
export const BASIS_NAME_MAX = 63;
export const PASSWORD_MAX = 72;
export const DICT_NAME_MAX = 110;
export const KEY_NAME_MAX = 94;
export const DICT_MAX_COUNT = 16383;
export const KEYS_PER_DICT_MAX = 131071;

// What every open basis shares: the flash, its layout, the page table, FastSpace, randomness and the device DNA,
// plus the set of physical pages known to be in use (so nothing live is ever handed out twice).
import type { Flash } from '../flash/flash.ts';
import type { Layout } from '../format/layout.ts';
import type { Random } from '../../lib/random.ts';
import type { FastSpace } from './fastspace.ts';
import type { PageTable } from './pagetable.ts';

export interface Store {
  readonly flash: Flash;
  readonly layout: Layout;
  readonly pt: PageTable;
  space: FastSpace;
  readonly random: Random;
  readonly dna: bigint;
  /** Physical data pages mapped by an open basis, or retired but not yet scrubbed. */
  readonly inUse: Set<number>;
  readonly policy: SyncPolicy;
  /** The caller vouches that every basis is open: a commit may refill FastSpace from a full scan (page-supply.ts). */
  readonly allBasesPresent: boolean;
  /** Data and root pages encrypted and written since mount. */
  readonly stats: { sealed: number };
}

/** How changes reach flash: see EngineOptions.syncPolicy. */
export type SyncPolicy = 'copy-on-write' | 'original';

// The deniability lab's public entry (issue 7, section 3): adversary views, the statistics battery, the games and
// their intervals, pictures. See docs/deniability.md.
export { PageClass, coercedView, type CoercedView } from './coerced-view.ts';
export { blindFeatures, coercedFeatures, dataPages, type Adversary, type Features } from './adversaries.ts';
export { byteStats, BYTE_STAT_NAMES, type ByteStats } from './byte-stats.ts';
export { playGame, type GameName, type GameOptions, type GameResult } from './games.ts';
export { rocAuc, wilson, type Interval } from './intervals.ts';
export { LEAKY_VARIANTS, type LeakyVariant } from './leaky-variants.ts';
export { COVER_PAGES, type Mitigation } from './device-builder.ts';
export { classBitmapPng, CLASS_COLOURS } from './bitmap.ts';
export { classBitmapSvg, type SvgPanel } from './svg.ts';

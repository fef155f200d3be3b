/**
 * `@liveprobe/agent/prepare`: the build-time transform for `liveprobe prepare`, without the
 * agent's threads (nothing here starts or loads the agent).
 */
export { prepareForBuild, type BuildInput, type BuildOutput } from './build-output.js';
export type { SourceMapJson } from './composed-map.js';
export { lastSourceMappingURL } from '../locate/map-comment.js';
export { webRuntimeScript } from './web-chunks.js';
export { isPrebuilt, PREBUILT_FLAGS_SUFFIX, PREBUILT_MAP_SUFFIX, PREBUILT_ORIGINAL_SUFFIX } from './prebuilt.js';
export { PrepareError, TRANSFORM_VERSION, type ParsedSource, type SourceParser } from './transform.js';

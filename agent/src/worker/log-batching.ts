/**
 * The SDK's batch processor for log records, loaded with the first record. A module of its own
 * so that the worker's bundle takes only this class's part of @opentelemetry/sdk-logs: esbuild
 * keeps a whole package for `await import(package)`, and only what is named for a static import.
 */
export { BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';

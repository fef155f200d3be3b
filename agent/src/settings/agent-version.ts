/**
 * The agent's version, as births, statuses and its OpenTelemetry scope name it. A constant, not
 * read from package.json, because the probe hook also runs bundled in browsers (attach); a test
 * keeps it equal to the package's version.
 */
export const AGENT_VERSION = '0.1.0';

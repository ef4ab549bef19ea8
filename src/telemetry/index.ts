export type { Telemetry } from './telemetry';
export { startTelemetry } from './start-telemetry';

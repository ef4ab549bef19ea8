export type { Telemetry } from './telemetry';
export { startTelemetry } from './start-telemetry';
export { LocalMetricsCollector, type MetricsCollector, type CollectedMetrics } from './metrics-collector';
export type { TelemetryOptions } from './start-telemetry';

export { HttpMetrics, HandlerSeries, MethodSeries, type HttpMetricsOptions } from './http-metrics';
export { Histogram } from './histogram';
export { HttpMetricsProducer } from './http-metrics-producer';
export { httpMetricsSubscriber } from './http-metrics-subscriber';
export { renderPrometheusText, type TextOptions } from './prometheus-text';
export { boundMethod, metricName, statusKey, statusLabel, escapeLabelValue } from './labels';
export { HIGHR_DURATION_BUCKETS, SIZE_BUCKETS } from './buckets';
export { snapshotHttpMetrics, addHttpMetricsSnapshot, type HttpMetricsSnapshot, type HistogramSnapshot } from './http-metrics-snapshot';

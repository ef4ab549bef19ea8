export type { Config } from './config';
export { loadConfig, ConfigError, secretsOf, tracingOn } from './load-config';

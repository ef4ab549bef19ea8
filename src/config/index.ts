export type { Config } from './config';
export { loadConfig, ConfigError, secretsOf } from './load-config';

/** Thrown when a setting is missing or invalid; the message names each variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

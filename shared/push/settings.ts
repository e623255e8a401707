import { EdgeonePushEnv, parseEnv } from '../config/env';
import { ConfigError } from '../config/error';

/**
 * The receiver's secrets (its other settings are EdgeonePushEnv, in shared/config/env.ts). Read here
 * and never through parseEnv, which quotes invalid values into an error that gets logged. They are
 * mounted from Secret Manager versions (terraform/edgeone-push.tf): the current one and,
 * while a rotation is under way, the previous one. Two variables rather than one comma-separated
 * value, so each is one Secret Manager version and rotating is a Terraform change that rolls out a
 * new revision (every instance then knows both), never a value edited in place.
 */
export const SECRET_VARS = ['EDGEONE_PUSH_SECRET', 'EDGEONE_PUSH_SECRET_PREVIOUS'] as const;
/** Shorter secrets are refused at start: the header is the only authentication (README). */
const MIN_SECRET_CHARS = 16;

export interface EdgeonePushSettings {
  project: string;
  topic: string;
  header: string;
  /** Every secret accepted now (one, or two during a rotation). */
  secrets: string[];
  maxRequestBytes: number;
  maxDecodedBytes: number;
  pubsubEmulatorHost: string | null;
}

/**
 * A secret's problem, named without its value: parseEnv quotes invalid values, which must never
 * happen to a secret (it would land in the logs). Secret Manager values added with `echo` end in a
 * newline, which EdgeOne's header would not carry: surrounding whitespace is dropped.
 */
function readSecret(name: (typeof SECRET_VARS)[number], env: NodeJS.ProcessEnv, required: boolean): string | null {
  const value = env[name]?.trim();
  if (!value) {
    if (required) throw new ConfigError(`cdnlog configuration: ${name} is not set (mount it from Secret Manager)`);
    return null;
  }
  if (value.length < MIN_SECRET_CHARS) throw new ConfigError(`cdnlog configuration: ${name} is shorter than ${MIN_SECRET_CHARS} characters`);
  if (/[^\x21-\x7e]/.test(value)) throw new ConfigError(`cdnlog configuration: ${name} has characters an HTTP header cannot carry (use printable ASCII)`);
  return value;
}

/** Validates the receiver's settings; throws a ConfigError naming every bad variable (never a secret's value). */
export function loadEdgeonePushSettings(env: NodeJS.ProcessEnv): EdgeonePushSettings {
  const parsed = parseEnv(EdgeonePushEnv, env);
  const current = readSecret('EDGEONE_PUSH_SECRET', env, true)!;
  const previous = readSecret('EDGEONE_PUSH_SECRET_PREVIOUS', env, false);
  return {
    project: parsed.GOOGLE_CLOUD_PROJECT,
    topic: parsed.EDGEONE_TOPIC,
    header: parsed.EDGEONE_PUSH_HEADER,
    secrets: previous ? [current, previous] : [current],
    maxRequestBytes: parsed.EDGEONE_PUSH_MAX_REQUEST_BYTES,
    maxDecodedBytes: parsed.EDGEONE_PUSH_MAX_DECODED_BYTES,
    pubsubEmulatorHost: parsed.PUBSUB_EMULATOR_HOST ?? null,
  };
}

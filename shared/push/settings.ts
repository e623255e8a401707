import { z } from 'zod';
import { parseEnv } from '../config/env';
import { ConfigError } from '../config/error';

const MiB = 1024 * 1024;
const bytes = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/**
 * The settings of `edgeonePush` other than its secrets, read from the environment at its first
 * request (or at cold start when it is the deployed target). The names are the contract with
 * terraform/edgeone-push.tf.
 */
export const EdgeonePushEnv = z.object({
  GOOGLE_CLOUD_PROJECT: z.string().min(1, 'the Google Cloud project id'),
  /** The topic `edgeoneLogs` is fed from: a topic id or projects/P/topics/T (as the replay CLI reads it). */
  EDGEONE_TOPIC: z.string().min(1, 'a Pub/Sub topic'),
  /** The request header EdgeOne is configured to send the secret in (case-insensitive). */
  EDGEONE_PUSH_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/, 'an HTTP header name')
    .transform((name) => name.toLowerCase())
    .default('x-cdnlog-token'),
  /** Largest request body as sent (gzip or not). Cloud Run refuses HTTP/1 requests above 32 MiB anyway. */
  EDGEONE_PUSH_MAX_REQUEST_BYTES: bytes(32 * MiB),
  /** Largest body once gunzipped: a gzip bomb stops here. */
  EDGEONE_PUSH_MAX_DECODED_BYTES: bytes(64 * MiB),
  /** The Pub/Sub client's own variable (host:port of a local endpoint: tests, the local run). */
  PUBSUB_EMULATOR_HOST: z.string().min(1).optional(),
});

/**
 * The secrets, mounted from Secret Manager versions (terraform/edgeone-push.tf): the current one and,
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

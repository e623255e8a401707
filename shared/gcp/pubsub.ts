import type { PubSub } from '@google-cloud/pubsub';
import type { GcpSettings } from '../config/settings';

/**
 * Pub/Sub client (gRPC), for the CLI's replay. Apart from ./clients.ts so the functions never ship
 * it, and loaded on first use (about 0.5 s of modules) so other commands do not pay for it. With
 * PUBSUB_EMULATOR_HOST (host:port) the library switches to emulator mode: insecure channel
 * credentials, so google-gax never asks GoogleAuth for a token.
 */
export function createPubSub(gcp: GcpSettings): PubSub {
  const { PubSub } = require('@google-cloud/pubsub') as typeof import('@google-cloud/pubsub');
  const projectId = gcp.project;
  const host = gcp.endpoints.pubsub;
  if (!host) return new PubSub({ projectId });
  return new PubSub({ projectId, apiEndpoint: host, emulatorMode: true });
}

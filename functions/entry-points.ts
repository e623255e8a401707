/**
 * The CloudEvent functions `dist/functions/index.js` exports and registers with
 * `functions.cloudEvent`. Terraform deploys one Cloud Function per name (`terraform/functions.tf`,
 * `entry_point`); test/terraform.test.ts holds the two lists equal.
 */
export const ENTRY_POINTS = ['mediaCdnLogs', 'mediaCdnFiles', 'edgeoneLogs'] as const;

export type EntryPoint = (typeof ENTRY_POINTS)[number];

/**
 * The HTTP functions, registered with `functions.http`: `edgeonePush` receives EdgeOne's real-time
 * log push (terraform/edgeone-push.tf deploys it when `enable_edgeone_push` is set).
 */
export const HTTP_ENTRY_POINTS = ['edgeonePush'] as const;

export type HttpEntryPoint = (typeof HTTP_ENTRY_POINTS)[number];

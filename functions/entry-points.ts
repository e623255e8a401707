/** The CloudEvent functions this package exports; Terraform's entry_point values must equal these. */
export const ENTRY_POINTS = ['mediaCdnLogs', 'edgeoneLogs'] as const;
export type EntryPoint = (typeof ENTRY_POINTS)[number];

/** The webhook event types Pleo documents (pleo-api.md §2.1). */
export const PleoEventType = {
  VendorCreated: 'v1.vendor.created',
  /** The spelling in payloads and the Subscriptions API. */
  ExportJobCreated: 'v1.export-job.created',
  /** The spelling in the headline of Pleo's webhook page; accepted in case Pleo ever sends it. */
  ExportJobCreatedAlt: 'v1.export.job-created',
} as const;

export type KnownEventKind = 'vendor-created' | 'export-job-created';

/** Which handled event an `eventType` is, or null for types this service does not act on. */
export function eventKindOf(eventType: string): KnownEventKind | null {
  switch (eventType) {
    case PleoEventType.VendorCreated:
      return 'vendor-created';
    case PleoEventType.ExportJobCreated:
    case PleoEventType.ExportJobCreatedAlt:
      return 'export-job-created';
    default:
      return null;
  }
}

import { KnownEventKind } from '@app/pleo';

/** Every queue of the service. Workers and producers refer to queues only through this enum. */
export enum QueueName {
  VendorSync = 'vendor-sync',
  ExportSync = 'export-sync',
}

export const ALL_QUEUES: readonly QueueName[] = Object.values(QueueName);

const QUEUE_BY_EVENT: Record<KnownEventKind, QueueName> = {
  'vendor-created': QueueName.VendorSync,
  'export-job-created': QueueName.ExportSync,
};

export function queueForEvent(kind: KnownEventKind): QueueName {
  return QUEUE_BY_EVENT[kind];
}

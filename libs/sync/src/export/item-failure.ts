import { ExportItemFailureReasonType } from '@app/pleo';

/** Why an item was not exported, in Pleo's reason types, worded for a bookkeeper. */
export interface ItemFailure {
  type: ExportItemFailureReasonType;
  reason: string;
}

export const VENDOR_UNKNOWN_REASON =
  "Selected vendor cannot be processed because it does not exist or is currently blocked. Please verify the vendor's status in the accounting system and try again.";

/** The default connection's accounts and posting behaviour (EXPORT_* settings). */
export interface ExportSettings {
  /** counter account for card spend and other wallet movements without a contraAccount */
  walletAccount?: string;
  /** counter account for employee-paid expenses (out-of-pocket, mileage, per diem) */
  outOfPocketAccount?: string;
  /** counter account when nothing more specific applies */
  contraAccount?: string;
  /** accounts payable, for invoices booked against a vendor */
  apAccount?: string;
  postingState: 'draft' | 'posted';
}

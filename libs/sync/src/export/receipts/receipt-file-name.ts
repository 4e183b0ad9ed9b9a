/** Pleo's allowed receipt formats (notes §3.3): .doc .docx .pdf .txt .jpg .jpeg .png .xls .xlsx. */
const EXTENSION_BY_TYPE: Record<string, string> = {
  'application/pdf': 'pdf',
  'image/jpeg': 'jpg',
  'image/jpg': 'jpg',
  'image/png': 'png',
  'text/plain': 'txt',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
};
const KNOWN_EXTENSIONS = new Set(['doc', 'docx', 'pdf', 'txt', 'jpg', 'jpeg', 'png', 'xls', 'xlsx']);

/**
 * The name a receipt gets in the ERP (F-10, notes §3.6 step 5.5 "keeping the format and filename"):
 * the original name from the URL's path when it has one with a known extension, otherwise
 * `<reconciliationId>-<n>.<extension of its type>`.
 */
export function receiptFileName(url: string, mimeType: string, fallbackStem: string, position: number): string {
  try {
    const last = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
    const ext = /\.([A-Za-z0-9]+)$/.exec(last)?.[1]?.toLowerCase();
    // Path separators and control characters never reach the ERP.
    const clean = [...last].map((c) => (c === '/' || c === '\\' || c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127 ? '_' : c)).join('').slice(-200);
    if (ext && KNOWN_EXTENSIONS.has(ext) && clean.length > ext.length + 1) return clean;
  } catch {
    // not a URL or not decodable: fall back to a made-up name
  }
  return `${fallbackStem}-${position}.${EXTENSION_BY_TYPE[mimeType.split(';')[0].trim().toLowerCase()] ?? 'bin'}`;
}

/**
 * Tryton's JSON-RPC wire types: decimals, dates and bytes travel as `{__class__: …}` objects.
 * Money stays a decimal string on our side, never a float.
 */
export type Wire = unknown;

export const decimal = (value: string) => ({ __class__: 'Decimal', decimal: value });

export function day(value: string) {
  const [year, month, dayOfMonth] = value.split('-').map(Number);
  return { __class__: 'date', year, month, day: dayOfMonth };
}

export const bytes = (content: Buffer) => ({ __class__: 'bytes', base64: content.toString('base64') });

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Decimals become strings, dates YYYY-MM-DD, datetimes ISO strings; everything else as sent. */
export function fromWire(value: Wire): unknown {
  if (Array.isArray(value)) return value.map(fromWire);
  if (!value || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  switch (obj.__class__) {
    case 'Decimal':
      return String(obj.decimal);
    case 'date':
      return `${pad(obj.year as number, 4)}-${pad(obj.month as number)}-${pad(obj.day as number)}`;
    case 'datetime':
      return `${pad(obj.year as number, 4)}-${pad(obj.month as number)}-${pad(obj.day as number)}T${pad(obj.hour as number)}:${pad(obj.minute as number)}:${pad(obj.second as number)}Z`;
    case 'bytes':
      return Buffer.from(String(obj.base64), 'base64');
    default:
      return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, fromWire(v)]));
  }
}

/** A LIKE pattern that matches `text` literally at the start. */
export const startsWith = (text: string) => `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
/** An ILIKE pattern that matches `text` literally and whole (case-insensitive equality). */
export const literal = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Decimal strings ("-12.50", "1234", "0.125") added and compared exactly, as scaled integers.
 * Money never passes through a float.
 */
const SCALE = 6;

export function toScaled(value: string): bigint {
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!m) throw new Error(`not a decimal: "${value}"`);
  const frac = (m[3] ?? '').padEnd(SCALE, '0');
  if (frac.length > SCALE) throw new Error(`more than ${SCALE} decimals: "${value}"`);
  const n = BigInt(m[2]) * 10n ** BigInt(SCALE) + BigInt(frac || '0');
  return m[1] ? -n : n;
}

export function fromScaled(n: bigint, decimals: number): string {
  const neg = n < 0n;
  const abs = neg ? -n : n;
  const unit = 10n ** BigInt(SCALE);
  const whole = abs / unit;
  const frac = (abs % unit).toString().padStart(SCALE, '0').slice(0, decimals);
  return `${neg && abs !== 0n ? '-' : ''}${whole}${decimals > 0 ? `.${frac}` : ''}`;
}

export function sumDecimals(values: string[], decimals: number): string {
  return fromScaled(values.reduce((acc, v) => acc + toScaled(v), 0n), decimals);
}

export function decimalsEqual(a: string, b: string): boolean {
  return toScaled(a) === toScaled(b);
}

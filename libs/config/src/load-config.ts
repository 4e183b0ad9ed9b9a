import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function describe(errors: ValidationError[]): string[] {
  return errors.flatMap((e) => {
    const messages = Object.values(e.constraints ?? {});
    return messages.length
      ? [`${e.property}: ${messages.join('; ')}`]
      : describe(e.children ?? []).map((m) => `${e.property}.${m}`);
  });
}

/**
 * Reads and validates the environment once, at start-up. Every problem is reported together, so an
 * operator fixes a broken deployment in one round instead of one variable per restart.
 */
export function loadConfig<T extends object>(
  cls: new () => T,
  env: Record<string, string | undefined> = process.env,
): T {
  // Empty strings mean "not set" (compose files and .env templates often leave them blank).
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const config = plainToInstance(cls, defined, { excludeExtraneousValues: true, exposeDefaultValues: true });
  const errors = validateSync(config, { skipMissingProperties: false, forbidUnknownValues: true });
  const crossField = (config as { crossFieldProblems?: () => string[] }).crossFieldProblems?.() ?? [];
  if (errors.length || crossField.length) throw new ConfigError([...describe(errors), ...crossField]);
  return Object.freeze(config);
}

import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync } from 'class-validator';

export class ConfigurationError extends Error {
  constructor(
    readonly service: string,
    readonly problems: { variable: string; value: unknown; message: string }[],
  ) {
    super(
      `invalid configuration for ${service}: ` +
        problems.map((p) => `${p.variable}=${JSON.stringify(p.value)}: ${p.message}`).join('; '),
    );
    this.name = 'ConfigurationError';
  }
}

export interface ConfigSource<T> {
  /** Whose settings these are, for error messages (`registry`, `consensus`, ...). */
  service: string;
  /** A variable `<scope>_<KEY>` wins over the shared `<KEY>` (`REGISTRY_HTTP_PORT` over `HTTP_PORT`). */
  scope: string;
  /** Every setting of the class with its default (undefined: optional, no default). */
  defaults: Partial<Record<keyof T, string>> & Record<string, string | undefined>;
  /** Checks across several settings, after each one is valid on its own. */
  check?: (config: T) => { variable: string; value: unknown; message: string }[];
}

/**
 * The one configuration loader: each setting from its scoped variable, the shared one or its default (an
 * empty value counts as unset), integers converted where the class says @IsInt, then validated by the
 * class's decorators; every bad value is named in one ConfigurationError.
 */
export function loadConfig<T extends object>(cls: new () => T, source: ConfigSource<T>, env: Record<string, string | undefined>): T {
  const integers = new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(cls, '', true, false)
      .filter((m) => m.name === 'isInt')
      .map((m) => m.propertyName),
  );
  const raw: Record<string, unknown> = {};
  for (const [key, fallback] of Object.entries(source.defaults) as [string, string | undefined][]) {
    const given = [env[`${source.scope}_${key}`], env[key]].find((v) => v !== undefined && v !== '');
    const value = given ?? fallback;
    raw[key] = value !== undefined && integers.has(key) && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  }
  const config = plainToInstance(cls, raw);
  const problems = validateSync(config, { forbidUnknownValues: true }).map((e) => ({
    variable: e.property,
    value: e.value,
    message: Object.values(e.constraints ?? {}).join('; '),
  }));
  if (!problems.length && source.check) problems.push(...source.check(config));
  if (problems.length) throw new ConfigurationError(source.service, problems);
  return config;
}

/**
 * One error hierarchy for the whole pipeline. `retriable` says whether trying again can help:
 * a consumer throws only retriable (infrastructure) errors so Kafka re-delivers the batch;
 * bad data never throws, it becomes a rejection.
 */
export class CdpError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** A missing or invalid setting: the process cannot start. */
export class ConfigError extends CdpError {
  constructor(readonly problems: readonly { variable: string; reason: string }[]) {
    super(
      'ERR_CONFIG_INVALID',
      `Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.reason}`).join('\n')}`,
    );
  }
}

/** Kafka, the registry or ClickHouse is unavailable or failed: retrying later can succeed. */
export class TransientError extends CdpError {
  constructor(message: string, cause?: unknown) {
    super('ERR_TRANSIENT', message, { retriable: true, cause });
  }
}

/** The registry refused a schema because it breaks the subject's compatibility rule. */
export class SchemaIncompatibleError extends CdpError {
  constructor(
    readonly subject: string,
    readonly compatibility: string,
    readonly reason: string,
  ) {
    super(
      'ERR_SCHEMA_INCOMPATIBLE',
      `Schema for subject "${subject}" is not ${compatibility} compatible with the registered versions: ${reason}`,
    );
  }
}

/** A schema file or topic catalogue entry is wrong: a programming error, never retried. */
export class SchemaDefinitionError extends CdpError {
  constructor(message: string) {
    super('ERR_SCHEMA_DEFINITION', message);
  }
}

/** Programmer errors (TypeError, RangeError, ...) are never worth a retry. */
export const isRetriable = (error: unknown): boolean => error instanceof CdpError && error.retriable;

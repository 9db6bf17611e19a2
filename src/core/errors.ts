// The single error hierarchy of lancets: every failure surfaces as a LanceError
// with a machine-readable code; subclasses exist only where callers branch on
// extra fields.

export type LanceErrorCode =
  | "INVALID_INPUT"
  | "NOT_SUPPORTED"
  | "CORRUPT_FILE"
  | "NOT_FOUND"
  | "INDEX_NOT_FOUND"
  | "COMMIT_CONFLICT"
  | "IO"
  | "INTERNAL";

export interface LanceErrorOptions {
  cause?: unknown;
}

export class LanceError extends Error {
  readonly code: LanceErrorCode;

  constructor(code: LanceErrorCode, message: string, options?: LanceErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }

  override get name(): string {
    return "LanceError";
  }
}

export class CorruptFileError extends LanceError {
  readonly path: string;
  readonly byteOffset: number | undefined;

  constructor(path: string, byteOffset: number | undefined, detail: string, options?: LanceErrorOptions) {
    const where = byteOffset === undefined ? "" : ` at byte ${byteOffset}`;
    super("CORRUPT_FILE", `corrupt file ${path}${where}: ${detail}`, options);
    this.path = path;
    this.byteOffset = byteOffset;
  }

  override get name(): string {
    return "CorruptFileError";
  }
}

export class CommitConflictError extends LanceError {
  readonly retryable: boolean;

  constructor(message: string, retryable: boolean, options?: LanceErrorOptions) {
    super("COMMIT_CONFLICT", message, options);
    this.retryable = retryable;
  }

  override get name(): string {
    return "CommitConflictError";
  }
}

export function isLanceError(value: unknown): value is LanceError {
  return value instanceof LanceError;
}

export function errorMessage(value: unknown): string {
  return value instanceof Error ? value.message : String(value);
}

// Errors: one class, a stable `code` (DESIGN.md), the offending `field` for validation.

/** The stable error codes, the same in every language. */
export const ERROR_CODES = [
  'not_found',
  'invalid_transition',
  'validation',
  'permission_denied',
  'conflict',
  'storage',
  'integrity',
] as const;

/** A stable error code. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Details a `CaseKitError` may carry besides its code. */
export interface CaseKitErrorDetails {
  field?: string;
  caseId?: string;
  expectedVersion?: number;
  actualVersion?: number;
}

/**
 * Every error casekit raises or rejects with. Switch on `code`, never on the message:
 *
 * | code | meaning |
 * |---|---|
 * | `not_found` | no such case / goal / task / document |
 * | `invalid_transition` | command not allowed in the current phase or hold state |
 * | `validation` | bad or missing input; `field` names it |
 * | `permission_denied` | the actor may not do or see this |
 * | `conflict` | the case changed since it was read (`expectedVersion` / `actualVersion`) |
 * | `storage` | the store failed; nothing was half-written |
 * | `integrity` | stored data failed verification (hash chain, blob hash) |
 */
export class CaseKitError extends Error {
  /** The stable code. */
  readonly code: ErrorCode;
  /** The offending field of a `validation` error, as a path into the input (`client.name`). */
  declare readonly field?: string;
  /** The case the error concerns, where known. */
  declare readonly caseId?: string;
  /** For `conflict`: the version the caller expected. */
  declare readonly expectedVersion?: number;
  /** For `conflict`: the version the store holds. */
  declare readonly actualVersion?: number;

  constructor(code: ErrorCode, message: string, details: CaseKitErrorDetails = {}) {
    super(message);
    this.name = 'CaseKitError';
    this.code = code;
    if (details.field !== undefined) this.field = details.field;
    if (details.caseId !== undefined) this.caseId = details.caseId;
    if (details.expectedVersion !== undefined) this.expectedVersion = details.expectedVersion;
    if (details.actualVersion !== undefined) this.actualVersion = details.actualVersion;
  }
}

/** A validation error on `field`. */
export function invalid(field: string, message: string): CaseKitError {
  return new CaseKitError('validation', `invalid ${field}: ${message}`, { field });
}

function isCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code);
}

interface NativeFailure {
  code?: unknown;
  message?: unknown;
  field?: unknown;
  case_id?: unknown;
  expected_version?: unknown;
  actual_version?: unknown;
}

/** The error for a structured failure from the native layer (JSON text). */
export function fromFailure(text: string | null | undefined): CaseKitError {
  let f: NativeFailure = {};
  try {
    const parsed: unknown = JSON.parse(text ?? '{}');
    if (parsed !== null && typeof parsed === 'object') f = parsed as NativeFailure;
  } catch {
    return new CaseKitError('storage', String(text));
  }
  const details: CaseKitErrorDetails = {};
  if (typeof f.field === 'string') details.field = f.field;
  if (typeof f.case_id === 'string') details.caseId = f.case_id;
  if (typeof f.expected_version === 'number') details.expectedVersion = f.expected_version;
  if (typeof f.actual_version === 'number') details.actualVersion = f.actual_version;
  const message = typeof f.message === 'string' ? f.message : 'casekit failed';
  return new CaseKitError(isCode(f.code) ? f.code : 'storage', message, details);
}

/**
 * The error for anything a native call threw: a structured failure becomes a
 * `CaseKitError` with its code; a value the addon could not even convert (a number
 * where text belongs) is a `validation` error.
 */
export function fromThrown(err: unknown, field = 'input'): CaseKitError {
  if (err instanceof CaseKitError) return err;
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code;
    if (isCode(code)) {
      const e = fromFailure(err.message);
      if (e.code === code) return e;
      return new CaseKitError(code, err.message);
    }
    return invalid(field, err.message);
  }
  return invalid(field, String(err));
}

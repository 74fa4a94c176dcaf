/** The stable error codes, the same in every language. */
export declare const ERROR_CODES: readonly ["not_found", "invalid_transition", "validation", "permission_denied", "conflict", "storage", "integrity"];
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
export declare class CaseKitError extends Error {
    /** The stable code. */
    readonly code: ErrorCode;
    /** The offending field of a `validation` error, as a path into the input (`client.name`). */
    readonly field?: string;
    /** The case the error concerns, where known. */
    readonly caseId?: string;
    /** For `conflict`: the version the caller expected. */
    readonly expectedVersion?: number;
    /** For `conflict`: the version the store holds. */
    readonly actualVersion?: number;
    constructor(code: ErrorCode, message: string, details?: CaseKitErrorDetails);
}
/** A validation error on `field`. */
export declare function invalid(field: string, message: string): CaseKitError;
/** The error for a structured failure from the native layer (JSON text). */
export declare function fromFailure(text: string | null | undefined): CaseKitError;
/**
 * The error for anything a native call threw: a structured failure becomes a
 * `CaseKitError` with its code; a value the addon could not even convert (a number
 * where text belongs) is a `validation` error.
 */
export declare function fromThrown(err: unknown, field?: string): CaseKitError;

"use strict";
// Errors: one class, a stable `code` (DESIGN.md), the offending `field` for validation.
Object.defineProperty(exports, "__esModule", { value: true });
exports.CaseKitError = exports.ERROR_CODES = void 0;
exports.invalid = invalid;
exports.fromFailure = fromFailure;
exports.fromThrown = fromThrown;
/** The stable error codes, the same in every language. */
exports.ERROR_CODES = [
    'not_found',
    'invalid_transition',
    'validation',
    'permission_denied',
    'conflict',
    'storage',
    'integrity',
];
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
class CaseKitError extends Error {
    /** The stable code. */
    code;
    constructor(code, message, details = {}) {
        super(message);
        this.name = 'CaseKitError';
        this.code = code;
        if (details.field !== undefined)
            this.field = details.field;
        if (details.caseId !== undefined)
            this.caseId = details.caseId;
        if (details.expectedVersion !== undefined)
            this.expectedVersion = details.expectedVersion;
        if (details.actualVersion !== undefined)
            this.actualVersion = details.actualVersion;
    }
}
exports.CaseKitError = CaseKitError;
/** A validation error on `field`. */
function invalid(field, message) {
    return new CaseKitError('validation', `invalid ${field}: ${message}`, { field });
}
function isCode(code) {
    return typeof code === 'string' && exports.ERROR_CODES.includes(code);
}
/** The error for a structured failure from the native layer (JSON text). */
function fromFailure(text) {
    let f = {};
    try {
        const parsed = JSON.parse(text ?? '{}');
        if (parsed !== null && typeof parsed === 'object')
            f = parsed;
    }
    catch {
        return new CaseKitError('storage', String(text));
    }
    const details = {};
    if (typeof f.field === 'string')
        details.field = f.field;
    if (typeof f.case_id === 'string')
        details.caseId = f.case_id;
    if (typeof f.expected_version === 'number')
        details.expectedVersion = f.expected_version;
    if (typeof f.actual_version === 'number')
        details.actualVersion = f.actual_version;
    const message = typeof f.message === 'string' ? f.message : 'casekit failed';
    return new CaseKitError(isCode(f.code) ? f.code : 'storage', message, details);
}
/**
 * The error for anything a native call threw: a structured failure becomes a
 * `CaseKitError` with its code; a value the addon could not even convert (a number
 * where text belongs) is a `validation` error.
 */
function fromThrown(err, field = 'input') {
    if (err instanceof CaseKitError)
        return err;
    if (err instanceof Error) {
        const code = err.code;
        if (isCode(code)) {
            const e = fromFailure(err.message);
            if (e.code === code)
                return e;
            return new CaseKitError(code, err.message);
        }
        return invalid(field, err.message);
    }
    return invalid(field, String(err));
}

/** Bad input to the conflict core. `code` is the contract's VALIDATION_FAILED; `details.field` names the culprit. */
export class ConflictInputError extends Error {
  readonly code = 'VALIDATION_FAILED' as const;

  constructor(
    message: string,
    readonly details: { field: string; value?: unknown },
  ) {
    super(message);
    this.name = 'ConflictInputError';
  }
}

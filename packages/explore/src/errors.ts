/** What went wrong with explorer input. */
export type ExploreErrorKind = 'token' | 'options' | 'target';

/** Bad explorer input: a malformed replay token, contradictory options, a target that cannot be loaded. */
export class ExploreError extends Error {
  /** Creates an error of `kind`; `where` names the token, option or module, `expected` what was wanted. */
  constructor(
    readonly kind: ExploreErrorKind,
    readonly where: string,
    readonly expected: string,
    detail?: string,
  ) {
    super(`${where}: expected ${expected}${detail !== undefined ? ` (${detail})` : ''}`);
    this.name = 'ExploreError';
  }
}

/** Operation names that may become a label value: GraphQL names of at most 64 characters. */
export const LABEL_SAFE_OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Turns client-chosen operation names into label values of bounded cardinality: the first
 * `limit` distinct well-formed names keep their own series, every later or malformed one
 * is `other`, and an unnamed operation is `anonymous`.
 */
export class OperationLabels {
  private readonly known = new Set<string>();

  constructor(
    /** Most distinct names given a series of their own. */
    readonly limit = 100,
  ) {}

  /** The label value for an operation called `name`. */
  of(name: string | null | undefined): string {
    if (!name) return 'anonymous';
    if (this.known.has(name)) return name;
    if (this.known.size >= this.limit || !LABEL_SAFE_OPERATION_NAME.test(name)) return 'other';
    this.known.add(name);
    return name;
  }
}

import { createHash } from 'node:crypto';
import { GraphQLError, getOperationAST, parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode, type ValidationRule } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { Limits } from '../config';
import { ErrorCode } from '../errors';
import type { RunnableOperation } from './compiled-executor';
import { checkDocumentText, unknownOperation } from './limits';

/** A document parsed and validated, with the operation to run. */
export interface PreparedOperation extends RunnableOperation {
  operation: OperationDefinitionNode;
}

// Documents kept parsed and validated, weighed by their text's length.
const MAX_DOCUMENTS_CHARACTERS = 8 * 1024 * 1024;

/**
 * Parses and validates documents for transports Apollo does not serve (WebSockets), as
 * Apollo does for HTTP: the document's text checked against the limits first, parsing
 * bounded by MAX_TOKENS, the same validation rules, the same error codes. A valid document
 * is remembered by its text, so a client that subscribes again does not pay twice.
 */
export class DocumentCache {
  private readonly documents = new LRUCache<string, { document: DocumentNode; key: string }>({ maxSize: MAX_DOCUMENTS_CHARACTERS, sizeCalculation: (_, text) => Math.max(1, text.length) });

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly limits: Limits,
    private readonly rules: readonly ValidationRule[] = [],
  ) {}

  /** The operation to run, or the errors that refuse the document. */
  prepare(text: unknown, operationName: string | null | undefined): PreparedOperation | GraphQLError[] {
    if (typeof text !== 'string' || text.length === 0) return [new GraphQLError('The message carries no query', { extensions: { code: ErrorCode.BAD_REQUEST } })];
    const known = this.documents.get(text) ?? this.parseAndValidate(text);
    if (Array.isArray(known)) return known;
    const operation = getOperationAST(known.document, operationName);
    if (!operation) return [unknownOperation(operationName)];
    return { document: known.document, operationName, key: known.key, length: text.length, operation };
  }

  private parseAndValidate(text: string): { document: DocumentNode; key: string } | GraphQLError[] {
    const refusal = checkDocumentText(text, this.limits);
    if (refusal) return [refusal];
    let document: DocumentNode;
    try {
      document = parse(text, this.limits.maxTokens ? { maxTokens: this.limits.maxTokens } : {});
    } catch (err) {
      const message = err instanceof GraphQLError ? err.message : 'The document is not GraphQL';
      return [new GraphQLError(message, { extensions: { code: ErrorCode.GRAPHQL_PARSE_FAILED } })];
    }
    const errors = validate(this.schema, document, [...specifiedRules, ...this.rules]);
    if (errors.length > 0) return errors.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: ErrorCode.GRAPHQL_VALIDATION_FAILED } }));
    const known = { document, key: createHash('sha256').update(text).digest('hex') };
    this.documents.set(text, known);
    return known;
  }
}

import { GraphQLError, execute, getVariableValues, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { GatewayInterface } from '@apollo/server-gateway-interface';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';

// Compiled operations kept, by their estimated size: the generated code and closures grow
// with the document, so the cache is bounded by an estimate of bytes (a multiple of the
// document's length, deliberately generous) as well as by count.
const MAX_COMPILED = 500;
const MAX_COMPILED_BYTES = 64 * 1024 * 1024;
const BYTES_PER_DOCUMENT_CHARACTER = 60;

/** Most errors one coercion of variables reports, as graphql-js's own `execute` sets it (`getVariableValues` alone has no bound). */
export const MAX_VARIABLE_ERRORS = 50;

/** A parsed, validated operation ready to run, named by a key its compiled form is cached under. */
export interface RunnableOperation {
  document: DocumentNode;
  operationName?: string | null;
  /** Identifies the document (a hash of its text) for the compile cache. */
  key: string;
  /** Length of the document's text, to weigh its compiled form in the cache. */
  length: number;
}

/**
 * Runs operations compiled by graphql-jit rather than interpreted by graphql-js: on the
 * nested reads this API exists for, execution is most of a request's CPU and the compiled
 * form costs a fraction of it. Compiled operations are cached by document key. Every
 * transport runs operations through one of these: HTTP through Apollo (as a "gateway",
 * Apollo's one hook for another executor), WebSockets directly, subscription events with
 * the event as the root value.
 */
export class OperationRunner {
  private readonly compiled = new LRUCache<string, CompiledQuery>({ max: MAX_COMPILED, maxSize: MAX_COMPILED_BYTES });

  constructor(
    readonly schema: GraphQLSchema,
    /** graphql-jit (the default), or graphql-js's interpreter, kept so tests can check both answer alike. */
    private readonly mode: 'compiled' | 'graphql-js' = 'compiled',
  ) {}

  async run(operation: RunnableOperation, variables: Record<string, unknown> | undefined, context: unknown, rootValue?: unknown): Promise<ExecutionResult> {
    const { schema } = this;
    if (this.mode === 'graphql-js') {
      return execute({ schema, document: operation.document, operationName: operation.operationName, variableValues: variables, contextValue: context, rootValue });
    }
    const key = `${operation.key}:${operation.operationName ?? ''}`;
    let query = this.compiled.get(key);
    if (!query) {
      const result = compileQuery(schema, operation.document, operation.operationName ?? undefined);
      if (!isCompiledQuery(result)) return result;
      query = result;
      const size = Math.max(1, operation.length * BYTES_PER_DOCUMENT_CHARACTER);
      if (size <= MAX_COMPILED_BYTES) this.compiled.set(key, query, { size });
    }
    return withGraphQLErrors(await query.query(rootValue, context, variables ?? {}));
  }
}

/** Apollo's view of an {@link OperationRunner}: a "gateway" over our own schema; Apollo still parses, validates and runs every plugin. */
export function compiledExecutor(runner: OperationRunner): GatewayInterface {
  const { schema } = runner;
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => undefined;
    },
    async load() {
      return {
        executor: async ({ document, operation, operationName, queryHash, request, context }) => {
          const result = await runner.run({ document, operationName, key: queryHash, length: request.query?.length ?? 1000 }, request.variables, context);
          if (result.errors === undefined || 'data' in result) return result;
          // The compiled operation coerces its variables and, refusing them, answers errors
          // with no data. Only then does graphql-js coerce them too: its errors are the ones
          // Apollo recognises and answers with HTTP 400 and BAD_USER_INPUT.
          const variables = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {}, { maxErrors: MAX_VARIABLE_ERRORS });
          return variables.errors ? { errors: variables.errors } : result;
        },
      };
    },
    async stop() {},
  };
}

// graphql-jit's errors lack graphql-js's `extensions: {}` default, which Apollo's error
// formatting reads; rebuild them as graphql-js errors, keeping path and locations.
function withGraphQLErrors(result: ExecutionResult): ExecutionResult {
  if (!result.errors) return result;
  // Without data, the variables were refused (one error per value refused) or the document
  // did not compile: the first errors say enough.
  const errors = ('data' in result ? result.errors : result.errors.slice(0, MAX_VARIABLE_ERRORS)).map((e) => {
    const error = new GraphQLError(e.message, { path: e.path, originalError: e.originalError, extensions: e.extensions });
    (error as { locations?: unknown }).locations = e.locations;
    return error;
  });
  return { ...result, errors };
}

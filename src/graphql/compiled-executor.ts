import { GraphQLError, getVariableValues, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { GatewayInterface } from '@apollo/server-gateway-interface';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';

// Compiled operations kept, by their estimated size: the generated code and closures grow
// with the document, so the cache is bounded by an estimate of bytes (a multiple of the
// document's length, deliberately generous) as well as by count.
const MAX_COMPILED = 500;
const MAX_COMPILED_BYTES = 64 * 1024 * 1024;
const BYTES_PER_DOCUMENT_CHARACTER = 60;

/**
 * Runs operations compiled by graphql-jit rather than interpreted by graphql-js: on the
 * nested reads this API exists for, execution is most of a request's CPU and the compiled
 * form costs a fraction of it. Apollo Server's one hook for another executor is the
 * gateway interface, so this is a "gateway" over our own schema; Apollo still parses,
 * validates and runs every plugin. Compiled operations are cached by document hash.
 */
export function compiledExecutor(schema: GraphQLSchema): GatewayInterface {
  const compiled = new LRUCache<string, CompiledQuery>({ max: MAX_COMPILED, maxSize: MAX_COMPILED_BYTES });
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => undefined;
    },
    async load() {
      return {
        executor: async ({ document, operation, operationName, queryHash, request, context }) => {
          // graphql-js coerces variables, so bad ones get its errors, which Apollo
          // recognises and answers with HTTP 400 and BAD_USER_INPUT.
          const variables = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {});
          if (variables.errors) return { errors: variables.errors };

          const key = `${queryHash}:${operationName ?? ''}`;
          let query = compiled.get(key);
          if (!query) {
            const result = compileQuery(schema, document, operationName ?? undefined);
            if (!isCompiledQuery(result)) return result;
            query = result;
            const size = Math.max(1, (request.query?.length ?? 1000) * BYTES_PER_DOCUMENT_CHARACTER);
            if (size <= MAX_COMPILED_BYTES) compiled.set(key, query, { size });
          }
          return withGraphQLErrors(await query.query(undefined, context, request.variables ?? {}));
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
  const errors = result.errors.map((e) => {
    const error = new GraphQLError(e.message, { path: e.path, originalError: e.originalError, extensions: e.extensions });
    (error as { locations?: unknown }).locations = e.locations;
    return error;
  });
  return { ...result, errors };
}

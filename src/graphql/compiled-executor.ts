import { GraphQLError, getVariableValues, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { GatewayInterface } from '@apollo/server-gateway-interface';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

// Distinct operations kept compiled; clients send a handful, so this is rarely reached.
const MAX_COMPILED = 500;

/**
 * Runs operations compiled by graphql-jit rather than interpreted by graphql-js: on the
 * nested reads this API exists for, execution is most of a request's CPU and the compiled
 * form costs a fraction of it. Apollo Server's one hook for another executor is the
 * gateway interface, so this is a "gateway" over our own schema; Apollo still parses,
 * validates and runs every plugin. Compiled operations are cached by document hash.
 */
export function compiledExecutor(schema: GraphQLSchema): GatewayInterface {
  const compiled = new Map<string, CompiledQuery>();
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
          if (query) {
            compiled.delete(key); // re-inserted below: the Map's order is recency of use
          } else {
            const result = compileQuery(schema, document, operationName ?? undefined);
            if (!isCompiledQuery(result)) return result;
            query = result;
            if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
          }
          compiled.set(key, query);
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

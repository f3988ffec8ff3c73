import { GraphQLError, createSourceEventStream, getVariableValues, type ExecutionArgs, type ExecutionResult, type FormattedExecutionResult, type GraphQLSchema } from 'graphql';
import { contextOf, type Context } from '../context';
import { ErrorCode } from '../errors';
import { isUnexpected, toClientError } from '../graphql/client-errors';
import { capped } from '../graphql/operation-plugin';
import { MAX_VARIABLE_ERRORS } from '../graphql/compiled-executor';
import type { Options, SocketOperation } from './websocket-socket';

// Variables as the operation declares them; bad ones are the client's mistake.
function coerce(schema: GraphQLSchema, operation: SocketOperation, variables: Record<string, unknown> | null | undefined): GraphQLError[] | undefined {
  const { errors } = getVariableValues(schema, operation.prepared.operation.variableDefinitions ?? [], variables ?? {}, { maxErrors: MAX_VARIABLE_ERRORS });
  return errors?.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: ErrorCode.BAD_USER_INPUT } }));
}

/**
 * graphql-ws's `execute` and `subscribe`: queries and mutations through admission control
 * and the runner, each in a fresh operation scope; subscriptions through their field's
 * `subscribe` resolver, which registers them with the hub.
 */
export function operationsOf(options: Options, live: { operations: number }) {
  const { runner, admission, scopes, inFlight, config } = options;
  const contextFor = (operation: SocketOperation): Context => {
    const { state } = operation;
    const signal = config.requestTimeoutMs > 0 ? AbortSignal.any([state.signal, AbortSignal.timeout(config.requestTimeoutMs)]) : state.signal;
    return { ...contextOf(state.scope, scopes.operationScope(state.scope, signal)), cost: operation.cost };
  };
  // Counted in flight (for shutdown, /health) until answered, and its id's place given back.
  const tracked = async <T>(operation: SocketOperation, work: () => Promise<T>): Promise<T> => {
    live.operations++;
    inFlight.count++;
    try {
      return await work();
    } finally {
      live.operations--;
      inFlight.count--;
      operation.state.done(operation.id);
    }
  };
  return {
    execute: (args: ExecutionArgs) => {
      const operation = args.contextValue as SocketOperation;
      return tracked(operation, async (): Promise<ExecutionResult> => {
        const bad = coerce(runner.schema, operation, args.variableValues);
        if (bad) return { errors: bad };
        let release: (() => void) | undefined;
        try {
          release = await admission.admit(operation.cost);
          return await runner.run(operation.prepared, args.variableValues ?? {}, contextFor(operation));
        } catch (err) {
          return { errors: [err instanceof GraphQLError ? err : new GraphQLError('Internal server error', { originalError: err as Error })] };
        } finally {
          release?.();
        }
      });
    },
    subscribe: (args: ExecutionArgs) => {
      const operation = args.contextValue as SocketOperation;
      return tracked(operation, async () => {
        const bad = coerce(runner.schema, operation, args.variableValues);
        if (bad) return { errors: bad };
        const variables = (args.variableValues ?? {}) as Record<string, unknown>;
        const context: Context = { ...contextFor(operation), subscribe: (topic) => operation.state.subscribe(topic, operation.prepared, variables) };
        return (await createSourceEventStream({ ...args, contextValue: context })) as AsyncIterable<ExecutionResult> | ExecutionResult;
      });
    },
  };
}

/**
 * A result as a client may see it: errors through the catalogue's formatting (no stack,
 * SQL or internal message in production), at most 20 of them, each counted in the metrics
 * and logged when unexpected. `undefined` when there is nothing to change.
 */
export function clientResult(result: ExecutionResult, { config, metrics, logger }: Pick<Options, 'config' | 'metrics' | 'logger'>): FormattedExecutionResult {
  if (!result.errors?.length) return result as FormattedExecutionResult;
  const errors = result.errors.map((error) => {
    if (isUnexpected(error.originalError ?? error)) logger.error({ err: error.originalError ?? error }, 'Unexpected error');
    const { http: _http, ...extensions } = (error.extensions ?? {}) as Record<string, unknown>;
    const formatted = toClientError({ ...error.toJSON(), extensions }, error.originalError ?? error, config.production);
    metrics.countError(formatted.extensions?.code);
    return formatted;
  });
  return { ...result, errors: capped(errors) } as FormattedExecutionResult;
}

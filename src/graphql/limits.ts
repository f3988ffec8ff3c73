import { GraphQLError, Lexer, Source, TokenKind, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Limits } from '../config';
import { ErrorCode, limitExceeded } from '../errors';
import { Admission } from './admission';
import { measureOperation, type Measure } from './measure';

/*
 * Every operation is measured before it runs, before any SQL: the document's text (bytes,
 * tokens) before it is parsed, then, once validated, what it asks for through its
 * fragments (depth, aliases, directives, fields) and the rows its page sizes may read.
 * Parsing is bounded by the token limit, validation by the document's size, and the
 * measure visits each fragment once, so refusing any document costs milliseconds.
 */

/** Whether any limit is on (a benchmark turns them all off to measure what they cost). */
export function limitsOn(limits: Limits): boolean {
  return Object.values(limits).some((limit) => limit > 0);
}

/** Operations estimated at most this many rows are never queued by admission control. */
const FREE_COST = 1_000;
/**
 * Most heavy operations waiting for admission at once: enough for every client of a busy
 * server (the benchmark drives 256 at once) to queue rather than be refused; past it, the
 * server is truly overloaded.
 */
const MAX_ADMISSION_QUEUE = 1_000;

/** What an operation is refused for: the document's text, before it is parsed. */
export function checkDocumentText(text: string, limits: Limits): GraphQLError | undefined {
  const bytes = text.length <= limits.maxDocumentBytes / 3 ? text.length : Buffer.byteLength(text);
  if (limits.maxDocumentBytes && bytes > limits.maxDocumentBytes) {
    return limitExceeded(ErrorCode.DOCUMENT_TOO_LARGE, 'MAX_DOCUMENT_BYTES', limits.maxDocumentBytes, bytes, 'The document has a length in bytes of');
  }
  // A token takes at least one character, so only a text longer than the limit can exceed it.
  if (limits.maxTokens && text.length > limits.maxTokens) {
    const lexer = new Lexer(new Source(text));
    let tokens = 0;
    try {
      while (lexer.advance().kind !== TokenKind.EOF && tokens <= limits.maxTokens) tokens++;
    } catch {
      return undefined; // a syntax error: the parser reports it
    }
    if (tokens > limits.maxTokens) return limitExceeded(ErrorCode.TOO_MANY_TOKENS, 'MAX_TOKENS', limits.maxTokens, tokens, 'The document has a token count of at least');
  }
  return undefined;
}

/** The first limit `measure` exceeds, as the error a client gets. */
export function exceededLimit(measure: Measure, limits: Limits): GraphQLError | undefined {
  const checks: Array<[ErrorCode, 'maxDepth' | 'maxAliases' | 'maxDirectives' | 'maxFields' | 'maxCost', number, string]> = [
    [ErrorCode.QUERY_TOO_DEEP, 'maxDepth', measure.depth, 'The operation nests fields to a depth of'],
    [ErrorCode.TOO_MANY_ALIASES, 'maxAliases', measure.aliases, 'The operation uses a number of aliases of'],
    [ErrorCode.TOO_MANY_DIRECTIVES, 'maxDirectives', measure.directives, 'The operation uses a number of directives of'],
    [ErrorCode.TOO_MANY_FIELDS, 'maxFields', measure.fields, 'The operation selects a number of fields of'],
    [ErrorCode.QUERY_TOO_COSTLY, 'maxCost', measure.cost, 'The operation may read a number of rows of'],
  ];
  for (const [code, limit, actual, what] of checks) {
    const max = limits[limit];
    if (max && actual > max) return limitExceeded(code, envName(limit), max, actual, what);
  }
  return undefined;
}

const envName = (limit: string) => limit.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

/** Deepest nesting of lists and objects accepted in variables. */
const MAX_VARIABLE_DEPTH = 64;

// A variable problem the client must fix: where it is, and what is wrong.
type VariableProblem = { path: string; message: string };

/**
 * Most values (texts, numbers, lists, objects…) accepted in one operation's variables. A
 * 1 MB body holds some 200,000; graphql-js took 1.3 s to refuse 20,000 nulls in a list of
 * IDs (an error with its path for each), against 10 ms to accept 10,000 ids. Refused
 * before any coercion, the bound holds every input of ours.
 */
const MAX_VARIABLE_VALUES = 10_000;

// What a first walk of the variables finds, without building the paths only a refusal
// needs: nothing wrong, too many values, or something (NUL, depth) the second walk names.
function scan(variables: Record<string, unknown>): 'clean' | 'too many' | 'suspect' {
  const values: unknown[] = [variables];
  const depths: number[] = [0];
  let seen = 0;
  while (values.length > 0) {
    if (++seen > MAX_VARIABLE_VALUES + 1) return 'too many';
    const value = values.pop();
    const depth = depths.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\0')) return 'suspect';
    } else if (value && typeof value === 'object') {
      if (depth >= MAX_VARIABLE_DEPTH) return 'suspect';
      for (const item of Array.isArray(value) ? value : Object.values(value)) {
        values.push(item);
        depths.push(depth + 1);
      }
    }
  }
  return 'clean';
}

// PostgreSQL refuses NUL in text; a variable holding one is the client's mistake, said as
// such. Walked without recursion, and refused past a depth no input type of ours reaches,
// so no JSON body can exhaust the stack.
function variableProblem(variables: Record<string, unknown>): VariableProblem | undefined {
  const scanned = scan(variables);
  if (scanned === 'clean') return undefined;
  if (scanned === 'too many') return { path: '$', message: `Variables may hold at most ${MAX_VARIABLE_VALUES} values in all, but these hold more` };
  const stack: Array<[unknown, string, number]> = [[variables, '$', 0]];
  while (stack.length > 0) {
    const [value, path, depth] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\0')) return { path, message: `Text may not contain the NUL character (\\u0000), but ${path} does` };
    } else if (value && typeof value === 'object') {
      if (depth >= MAX_VARIABLE_DEPTH) return { path, message: `Variables may nest at most ${MAX_VARIABLE_DEPTH} deep, but ${path.slice(0, 40)}… nests deeper` };
      const entries = Array.isArray(value) ? value.map((item, i) => [`${path}[${i}]`, item] as const) : Object.entries(value).map(([key, item]) => [`${path}.${key}`, item] as const);
      for (const [at, item] of entries) stack.push([item, at, depth + 1]);
    }
  }
  return undefined;
}

/** Context fields the limits plugin fills in. */
export interface Measured {
  /** The operation's estimated cost in rows, once measured. */
  cost?: number;
}

/** The admission control every transport's operations share (./admission.ts). */
export function createAdmission(limits: Limits): Admission {
  return new Admission({ capacity: limits.maxConcurrentCost, free: FREE_COST, maxWaitMs: limits.admissionWaitMs, maxQueue: MAX_ADMISSION_QUEUE });
}

/**
 * Measures a validated operation and says why it is refused, if it is: a limit it exceeds,
 * or a variable or argument the database could not take. Every transport calls it before
 * an operation runs.
 */
export function checkOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  limits: Limits,
): { cost: number; refusal?: GraphQLError } {
  const measure = measureOperation(schema, document, operation, variables);
  const exceeded = exceededLimit(measure, limits);
  if (exceeded) return { cost: measure.cost, refusal: exceeded };
  const problem = measure.nul ? { path: 'an argument', message: 'Text may not contain the NUL character (\\u0000), but an argument does' } : variableProblem(variables);
  if (!problem) return { cost: measure.cost };
  const refusal = new GraphQLError(problem.message, { extensions: { code: ErrorCode.BAD_USER_INPUT, argumentName: problem.path.slice(0, 80), http: { status: 400 } } });
  return { cost: measure.cost, refusal };
}

/** An operation name that names no operation of the document, or none given where several are. */
export function unknownOperation(operationName: string | null | undefined): GraphQLError {
  const message = operationName ? `The document has no operation named ${JSON.stringify(operationName.slice(0, 80))}` : 'The document has several operations: say which to run with operationName';
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_REQUEST, http: { status: 400 } } });
}

/**
 * Apollo plugin: once an operation is validated, measures it and refuses it when it is
 * over a limit, before it executes; then admits it when the server has capacity for its
 * cost (./admission.ts). Puts the estimated cost on the context.
 */
export function limitsPlugin(limits: Limits, admission: Admission): ApolloServerPlugin<Measured> {
  return {
    async requestDidStart() {
      let release: (() => void) | undefined;
      return {
        async willSendResponse() {
          release?.();
        },
        async didResolveOperation({ schema, document, operation, request, contextValue }) {
          if (!operation) throw unknownOperation(request.operationName);
          const { cost, refusal } = checkOperation(schema, document, operation, request.variables ?? {}, limits);
          contextValue.cost = cost;
          if (refusal) throw refusal;
          release = await admission.admit(cost);
        },
      };
    },
  };
}

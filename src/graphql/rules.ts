import { GraphQLError, type ASTVisitor, type ValidationContext } from 'graphql';

/**
 * Validation rule: an operation of a type the schema has no root for (a mutation before
 * there are mutations) is a validation error. graphql-js 16 leaves it to execution, which
 * graphql-jit fails as an internal error.
 */
export function KnownOperationTypeRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node) {
      if (!context.getSchema().getRootType(node.operation)) {
        context.reportError(new GraphQLError(`This API has no ${node.operation} operations`, { nodes: node }));
      }
    },
  };
}

/**
 * Validation rule for HTTP: a subscription needs a connection that stays open to receive
 * its events, so over HTTP it is refused as invalid, saying where to send it.
 */
export function NoSubscriptionOverHttpRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node) {
      if (node.operation === 'subscription') {
        context.reportError(new GraphQLError('Subscriptions are served over WebSocket (graphql-ws, protocol graphql-transport-ws) at this path, not over HTTP', { nodes: node }));
      }
    },
  };
}

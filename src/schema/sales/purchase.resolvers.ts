import type { Resolvers } from '../../generated/graphql';
import { forbidden } from '../../errors';
import { purchase, purchaseRowByRow } from '../../writes/purchase';

export const purchaseResolvers: Resolvers = {
  Mutation: {
    purchase: async (_, { input }, { access, db, loaderMode }) => {
      const viewer = access.requireSignedIn();
      if (viewer.role !== 'customer') throw forbidden('Only customers may purchase, for themselves');
      // The benchmark's naive baseline buys row by row; everyone else, set-based.
      return (loaderMode === 'per-parent' ? purchaseRowByRow : purchase)(db, viewer.customerId, input);
    },
  },
  PurchasePayload: {
    // After commit: the request's loaders were cleared, so they read the committed invoice.
    invoice: async (result, _, { loaders }) => (await loaders.invoiceById.load(result.invoiceId))!,
  },
};

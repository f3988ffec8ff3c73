import type { Resolvers } from '../../generated/graphql';
import { forbidden } from '../../errors';

export const purchaseResolvers: Resolvers = {
  Mutation: {
    purchase: async (_, { input }, { access, db, writes }) => {
      const viewer = access.requireSignedIn();
      if (viewer.role !== 'customer') throw forbidden('Only customers may purchase, for themselves');
      const result = await writes.purchase(db, viewer.customerId, input);
      // Committed: what the loaders cached (a total spent, a page of invoices) may be stale.
      db.afterCommit();
      return result;
    },
  },
  PurchasePayload: {
    // After commit, through loaders that forgot what they had cached.
    invoice: async (result, _, { loaders }) => (await loaders.invoiceById.load(result.invoiceId))!,
  },
};

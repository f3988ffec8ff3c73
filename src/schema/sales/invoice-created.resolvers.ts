import type { Resolvers } from '../../generated/graphql';
import type { Context } from '../../context';
import { subscribeTo, type Topic } from '../../subscriptions/hub';
import { INVOICES_TOPIC, type InvoiceCreated } from '../../subscriptions/events';

export const invoiceCreatedResolvers: Resolvers = {
  Subscription: {
    invoiceCreated: {
      // Each viewer is a class of their own: whose invoices they see depends on who they are.
      subscribe: (_, __, ctx) => {
        const viewer = ctx.access.requireSignedIn();
        const topic: Topic<InvoiceCreated> =
          viewer.role === 'customer'
            ? { key: INVOICES_TOPIC, accessClass: `customer:${viewer.customerId}`, accepts: (event) => event.customerId === viewer.customerId }
            : { key: INVOICES_TOPIC, accessClass: `employee:${viewer.employeeId}`, accepts: (event, { access }) => event.supportRepId !== null && access.canSeeCustomersOf(event.supportRepId) };
        return subscribeTo(ctx, topic);
      },
      resolve: async (event: InvoiceCreated, _args: unknown, { loaders }: Context) => (await loaders.invoiceById.load(event.invoiceId))!,
    },
  },
};

import type { Resolvers } from '../../generated/graphql';
import { forbidden } from '../../errors';
import { childPage } from '../../loaders/child-pages';
import { listPage } from '../../graphql/list-page';
import { loadWithPage } from '../../loaders';
import { contains, rowId, sortOf } from '../args';

export const peopleResolvers: Resolvers = {
  Query: {
    me: (_, __, { viewer }) => (viewer.role === 'anonymous' ? null : viewer),
    customers: (_, args, { db, access, loaders }) => {
      const scope = access.customerWhere();
      const name = contains(args.filter?.nameContains, 'filter.nameContains');
      const where = {
        AND: [scope, { country: args.filter?.country ?? undefined }, name ? { OR: [{ firstName: name }, { lastName: name }] } : {}],
      };
      const sort = sortOf(args.orderBy, { ID: 'id', LAST_NAME: 'lastName', COUNTRY: 'country' }, { field: 'ID', direction: 'ASC' });
      return listPage(db, 'Customer', where, sort, args, loaders.customerById);
    },
    customer: async (_, { id }, { access, loaders }) => {
      access.requireSignedIn();
      const customer = await loaders.customerById.load(rowId(id));
      if (customer && !(await access.canSeeCustomer(customer))) throw forbidden(`You may not see customer ${id}`);
      return customer;
    },
    employees: (_, args, { db, access, loaders }) => {
      access.requireEmployee('employees');
      const sort = sortOf(args.orderBy, { ID: 'id', LAST_NAME: 'lastName' }, { field: 'ID', direction: 'ASC' });
      return listPage(db, 'Employee', {}, sort, args, loaders.employeeById);
    },
    employee: (_, { id }, { access, loaders }) => {
      access.requireEmployee('employees');
      return loaders.employeeById.load(rowId(id));
    },
  },
  Viewer: {
    role: (viewer) => (viewer.role === 'customer' ? 'CUSTOMER' : 'EMPLOYEE'),
    customer: (viewer, _, { loaders }, info) => (viewer.role === 'customer' ? loadWithPage(loaders, 'Customer', loaders.customerById, viewer.customerId, info) : null),
    employee: (viewer, _, { loaders }) => (viewer.role === 'employee' ? loaders.employeeById.load(viewer.employeeId) : null),
  },
  Customer: {
    // Only employees see employees, on every path to one (README: Who may see what).
    supportRep: (customer, _, { access, loaders }) => {
      access.requireEmployee('employees');
      return customer.supportRepId === null ? null : loaders.employeeById.load(customer.supportRepId);
    },
    invoices: (customer, args, { loaders }, info) => loaders.invoicesByCustomerId.load(childPage(customer.id, args, info)),
    totalSpent: async (customer, _, { loaders }) => (await loaders.totalSpentByCustomerId.load(customer.id)) ?? '0.00',
  },
  Employee: {
    reportsTo: (employee, _, { access, loaders }) => {
      access.requireEmployee('employees');
      return employee.reportsToId === null ? null : loaders.employeeById.load(employee.reportsToId);
    },
    reports: (employee, args, { access, loaders }, info) => {
      access.requireEmployee('employees');
      return loaders.reportsByEmployeeId.load(childPage(employee.id, args, info));
    },
    customers: async (employee, args, { access, loaders }, info) => {
      if (!(await access.canSeeCustomersOf(employee.id))) throw forbidden(`You may not see the customers of employee ${employee.id}`);
      return loaders.customersBySupportRepId.load(childPage(employee.id, args, info));
    },
  },
};

import type { Customer } from '../generated/prisma/client';
import type { RequestDb } from '../db/request-db';
import { forbidden, unauthenticated } from '../errors';
import type { Principal } from './token';

/** Who is asking: a verified principal, or nobody. */
export type Viewer = Principal | { role: 'anonymous' };

/**
 * What one request's viewer may see (README: Who may see what). List filters put the rule into the
 * list's own SQL; single-row checks use the employee's reporting subtree, read once per
 * request, so deciding access never costs a statement per row.
 */
export class Access {
  private subtree: Promise<Set<number>> | undefined;

  constructor(
    readonly viewer: Viewer,
    private readonly db: RequestDb,
  ) {}

  /** @throws UNAUTHENTICATED for anonymous viewers */
  requireSignedIn(): Principal {
    if (this.viewer.role === 'anonymous') throw unauthenticated();
    return this.viewer;
  }

  /** @throws UNAUTHENTICATED, or FORBIDDEN for customers */
  requireEmployee(what: string): number {
    const viewer = this.requireSignedIn();
    if (viewer.role !== 'employee') throw forbidden(`Only employees may see ${what}`);
    return viewer.employeeId;
  }

  /**
   * Whose playlists this viewer edits (the edit rule, README "Writes"): a customer edits
   * the playlists they own, an employee the store's own (owner `null`); nobody edits a
   * customer's playlist but that customer. Write statements compare it with the row's owner.
   * @throws UNAUTHENTICATED for anonymous viewers
   */
  playlistOwner(): number | null {
    const viewer = this.requireSignedIn();
    return viewer.role === 'customer' ? viewer.customerId : null;
  }

  /** Prisma `where` for the customers this viewer may see. */
  customerWhere(): Record<string, unknown> {
    const viewer = this.requireSignedIn();
    if (viewer.role === 'customer') return { id: viewer.customerId };
    // The reporting_line view pairs each manager with everyone below them (and themself).
    return { supportRep: { managers: { some: { managerId: viewer.employeeId } } } };
  }

  /** Employees at or below the viewing employee in the reporting tree. */
  private employeesBelow(employeeId: number): Promise<Set<number>> {
    return (this.subtree ??= this.db
      .run((prisma) => prisma.reportingLine.findMany({ where: { managerId: employeeId }, select: { employeeId: true } }))
      .then((rows) => new Set(rows.map((r) => r.employeeId))));
  }

  /** Whether the viewer may see this customer (and so their invoices). */
  async canSeeCustomer(customer: Pick<Customer, 'id' | 'supportRepId'>): Promise<boolean> {
    const viewer = this.requireSignedIn();
    if (viewer.role === 'customer') return viewer.customerId === customer.id;
    return customer.supportRepId !== null && (await this.employeesBelow(viewer.employeeId)).has(customer.supportRepId);
  }

  /** Whether the viewer may see the customers of this employee. */
  async canSeeCustomersOf(employeeId: number): Promise<boolean> {
    const viewer = this.requireSignedIn();
    return viewer.role === 'employee' && (await this.employeesBelow(viewer.employeeId)).has(employeeId);
  }
}

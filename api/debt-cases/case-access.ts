import type { Db } from '../../db/client';
import type { Principal, Role } from '../../services/api-keys';
import type { DebtCaseRow } from '../../services/debt-cases';
import { findCase } from '../../services/debt-case-access';
import { forbidden, notFound } from '../../domain/errors';
import { canSee } from '../scope';

/**
 * The case if the key may see it (404 otherwise, also for another tenant's), then the role check
 * (403): so another partner learns nothing, and the case's own partner learns what it may not do.
 */
export async function visibleCase(db: Db, principal: Principal, id: string, roles: Role[]): Promise<DebtCaseRow> {
  const row = await findCase(db, id);
  if (!row || !canSee(principal, row.partnerId)) throw notFound('debt collection case');
  if (!roles.includes(principal.role)) throw forbidden(`This needs the ${roles.join(' or ')} role`);
  return row;
}

import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { companies, debtors } from '../db/schema';
import type { Locale } from '../messaging/templates';
import { appendEvents } from './events';

/** The channels a debtor can opt out of (a letter is the paper fallback and has no opt-out). */
export type OptOutChannel = 'email' | 'sms';
/** Where the debtor said so: the email's one-click unsubscribe, the portal's switches, an SMS STOP/START. */
export type OptOutVia = 'one_click' | 'portal' | 'sms_reply';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/**
 * The debtor wants no more messages on `channel`, for any of their invoices at that company (the
 * messaging activity reads `debtors.opt_outs` before every email and SMS). One transaction with
 * the event `debtor.opted_out`; opting out again changes nothing and writes no second event.
 * True when it changed something; false also for an unknown debtor.
 */
export function optOut(db: Db | Tx, debtorId: string, channel: OptOutChannel, via: OptOutVia): Promise<boolean> {
  return setOptOut(db, debtorId, channel, via, true);
}

/** The debtor takes `channel` back (the portal's switch, SMS START): `debtor.opted_in`, once. */
export function optIn(db: Db | Tx, debtorId: string, channel: OptOutChannel, via: OptOutVia): Promise<boolean> {
  return setOptOut(db, debtorId, channel, via, false);
}

async function setOptOut(db: Db | Tx, debtorId: string, channel: OptOutChannel, via: OptOutVia, optedOut: boolean): Promise<boolean> {
  // A savepoint when the caller is in a transaction already (an SMS reply records more with it).
  return db.transaction(async (tx) => {
    // Locked: two clicks at once make one change and one event.
    const [debtor] = await tx.select().from(debtors).where(eq(debtors.id, debtorId)).for('update');
    if (!debtor || debtor.optOuts.includes(channel) === optedOut) return false;
    const optOuts = optedOut ? [...debtor.optOuts, channel].sort() : debtor.optOuts.filter((c) => c !== channel);
    await tx.update(debtors).set({ optOuts, updatedAt: new Date() }).where(eq(debtors.id, debtorId));
    await appendEvents(tx, [
      {
        type: optedOut ? 'debtor.opted_out' : 'debtor.opted_in',
        partnerId: debtor.partnerId,
        companyId: debtor.companyId,
        data: { debtor_id: debtorId, channel, via },
      },
    ]);
    return true;
  });
}

/** What the unsubscribe page shows of a debtor: the language to speak and whose email it stops (no personal data). */
export async function unsubscribePageOf(db: Db, debtorId: string): Promise<{ locale: Locale; companyName: string } | null> {
  const [row] = await db
    .select({ locale: debtors.locale, companyName: companies.name })
    .from(debtors)
    .innerJoin(companies, eq(companies.id, debtors.companyId))
    .where(eq(debtors.id, debtorId));
  if (!row) return null;
  const locale = (['nl', 'en', 'de', 'fr'] as const).find((l) => l === row.locale) ?? 'en';
  return { locale, companyName: row.companyName };
}

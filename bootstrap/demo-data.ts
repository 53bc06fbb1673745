import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { count } from 'drizzle-orm';
import type { Db } from '../db/client';
import { companies, partners } from '../db/schema';
import { createApiKey, createPartner } from '../services/api-keys';
import { newId } from '../services/ids';

export interface DemoData {
  partnerKey: string;
  companyId: string;
}

/**
 * On an empty database: a demo partner, its API key and a verified company, so a newcomer can
 * transmit an invoice at once. The key is kept in the data folder (dev only) to print it again.
 */
export async function ensureDemoData(db: Db, dataDir: string): Promise<DemoData | null> {
  const file = path.resolve(dataDir, 'demo.json');
  const [{ n } = { n: 0 }] = await db.select({ n: count() }).from(partners);
  if (Number(n) > 0) return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DemoData) : null;
  const partner = await createPartner(db, { name: 'Demo Partner' });
  const key = await createApiKey(db, { partnerId: partner.id, role: 'partner' });
  const [company] = await db
    .insert(companies)
    .values({
      id: newId('cmp'),
      partnerId: partner.id,
      name: 'Demo Hockey Club',
      country: 'NL',
      currency: 'EUR',
      locale: 'nl',
      timezone: 'Europe/Amsterdam',
      contact: { email: 'treasurer@demo-hockey.example' },
      status: 'verified',
      verificationReason: 'demo data',
    })
    .returning();
  const demo = { partnerKey: key.secret, companyId: company!.id };
  writeFileSync(file, JSON.stringify(demo, null, 2), { mode: 0o600 });
  return demo;
}

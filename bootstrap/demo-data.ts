import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { count, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { companies, partners } from '../db/schema';
import { createApiKey, createPartner } from '../services/api-keys';
import { newId } from '../services/ids';
import { createSftpCredential, SftpCredentialError } from '../services/sftp-credentials';

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

export interface DemoSftpLogin {
  username: string;
  password: string;
}

/**
 * The demo partner's SFTP login (`demo` with a random password), made once and kept in
 * `demo.json` beside the API key (also for data folders made before SFTP existed). Null without
 * demo data, or when someone else has the username.
 */
export async function ensureDemoSftpLogin(db: Db, dataDir: string): Promise<DemoSftpLogin | null> {
  const file = path.resolve(dataDir, 'demo.json');
  if (!existsSync(file)) return null;
  const demo = JSON.parse(readFileSync(file, 'utf8')) as DemoData & { sftp?: DemoSftpLogin };
  if (demo.sftp) return demo.sftp;
  const [company] = await db.select({ partnerId: companies.partnerId }).from(companies).where(eq(companies.id, demo.companyId));
  if (!company) return null;
  try {
    const login = await createSftpCredential(db, { partnerId: company.partnerId, username: 'demo' });
    demo.sftp = { username: login.username, password: login.password! };
  } catch (err) {
    if (err instanceof SftpCredentialError) return null;
    throw err;
  }
  writeFileSync(file, JSON.stringify(demo, null, 2), { mode: 0o600 });
  return demo.sftp;
}

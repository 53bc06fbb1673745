import type { RequestHandler } from 'express';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';

/** One dependency a process needs to do its work; `check` rejects when it is not usable. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface ReadinessReport {
  status: 'ok' | 'unavailable';
  checks: Record<string, 'ok' | 'failing' | 'draining'>;
}

const CHECK_TIMEOUT_MS = 2_000;

export function databaseCheck(db: Db): ReadinessCheck {
  return { name: 'database', check: async () => void (await db.execute(sql`select 1`)) };
}

/** The frontend answers: `GetSystemInfo` is cheap and needs no namespace. */
export function temporalCheck(client: Client): ReadinessCheck {
  return {
    name: 'temporal',
    check: async () => void (await client.connection.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () => client.workflowService.getSystemInfo({}))),
  };
}

/** Runs every check at once, each with a short timeout; a draining process is never ready. */
export async function checkReadiness(checks: ReadinessCheck[], logger: Logger, draining = false): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async ({ name, check }): Promise<[string, 'ok' | 'failing']> => {
      try {
        await withTimeout(check(), CHECK_TIMEOUT_MS, `${name} check timed out`);
        return [name, 'ok'];
      } catch (err) {
        logger.warn({ err, check: name }, 'readiness check failing');
        return [name, 'failing'];
      }
    }),
  );
  const report: ReadinessReport = { status: 'ok', checks: Object.fromEntries(results) };
  if (draining) report.checks.shutdown = 'draining';
  if (draining || results.some(([, r]) => r !== 'ok')) report.status = 'unavailable';
  return report;
}

/** `GET /readyz`: 200 with every check `ok`, else 503 naming the failing ones. */
export function readinessHandler(checks: ReadinessCheck[], logger: Logger, isDraining: () => boolean = () => false): RequestHandler {
  return async (_req, res) => {
    const report = await checkReadiness(checks, logger, isDraining());
    res.status(report.status === 'ok' ? 200 : 503).set('Cache-Control', 'no-store').json(report);
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

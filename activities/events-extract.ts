import { open, rename } from 'node:fs/promises';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { and, asc, eq, gt, gte, lt } from 'drizzle-orm';
import { eventResource } from '../resources/serializers';
import { events, partners } from '../db/schema';
import { ensurePartnerFolders, eventsExtractName, filesRoot, partnerFolder } from '../files/layout';
import type { ActivityDeps } from './deps';

const PAGE = 1_000;

export function eventsExtractActivities({ db, config }: ActivityDeps) {
  return {
    /** Partners in id order, a page at a time. */
    async listExtractPartners(input: { after: string | null; limit: number }): Promise<{ partnerIds: string[] }> {
      const rows = await db
        .select({ id: partners.id })
        .from(partners)
        .where(input.after ? gt(partners.id, input.after) : undefined)
        .orderBy(asc(partners.id))
        .limit(input.limit);
      return { partnerIds: rows.map((r) => r.id) };
    },

    /**
     * Writes `outbox/events-<day>.jsonl`: every event of the partner created that UTC day, one per
     * line in the shape of GET /events, read a page at a time and streamed to a temporary file that
     * is renamed when complete. A day without events gives an empty file.
     */
    async writePartnerEventsExtract(input: { partnerId: string; day: string }): Promise<{ path: string; events: number }> {
      const root = filesRoot(config);
      if (!root) throw new Error('the events extract needs RECOUP_FILES_DIR (or a RECOUP_DATA_DIR on disk)');
      await ensurePartnerFolders(root, input.partnerId);
      const target = path.join(partnerFolder(root, input.partnerId, 'outbox'), eventsExtractName(input.day));
      const temp = `${target}.tmp`;
      const from = new Date(`${input.day}T00:00:00.000Z`);
      const to = new Date(from.getTime() + 86_400_000);
      const handle = await open(temp, 'w');
      let count = 0;
      try {
        let after = 0;
        for (;;) {
          const rows = await db
            .select()
            .from(events)
            .where(and(eq(events.partnerId, input.partnerId), gt(events.seq, after), gte(events.createdAt, from), lt(events.createdAt, to)))
            .orderBy(asc(events.seq))
            .limit(PAGE);
          if (rows.length === 0) break;
          await handle.write(rows.map((e) => JSON.stringify(eventResource(e))).join('\n') + '\n');
          count += rows.length;
          after = rows[rows.length - 1]!.seq;
          Context.current().heartbeat(count);
          if (rows.length < PAGE) break;
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, target);
      return { path: target, events: count };
    },
  };
}

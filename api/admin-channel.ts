import { createHash, timingSafeEqual } from 'node:crypto';
import express from 'express';
import { z } from 'zod';
import { notFoundRoute, parse } from './errors';

/** What the ops CLI's command printed and its exit code, as the CLI prints them. */
export interface AdminCommandResult {
  code: number;
  stdout: string[];
  stderr: string[];
}

export interface AdminChannel {
  /** Random per start, written only into the data folder's lock file (mode 0600): the same OS user's CLI reads it. */
  secret: string;
  run(command: string, values: Record<string, string | string[] | undefined>): Promise<AdminCommandResult>;
}

export const ADMIN_CHANNEL_PATH = '/internal/cli';

const commandBody = z.object({
  command: z.string().min(1),
  values: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
});

const isLoopback = (address: string | undefined): boolean => !!address && (address === '::1' || /^(::ffff:)?127\./.test(address));

const sameSecret = (a: string, b: string): boolean => {
  // Digests first: equal lengths for timingSafeEqual whatever was sent.
  const [x, y] = [a, b].map((s) => createHash('sha256').update(s).digest());
  return timingSafeEqual(x!, y!);
};

/**
 * The local admin channel of `npm start`: while it holds the embedded database, the ops CLI's
 * commands run here, in the one process that may open it, so the running API sees a new key or
 * console user at once. Not part of the API contract: loopback callers with the lock file's secret
 * only; anyone else gets a plain 404, as if the route did not exist.
 */
export function adminChannelRoutes(channel: AdminChannel): express.Router {
  const router = express.Router();
  const callerHoldsTheSecret: express.RequestHandler = (req, res, next) => {
    const bearer = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    if (isLoopback(req.socket.remoteAddress) && bearer && sameSecret(bearer, channel.secret)) next();
    else notFoundRoute(req, res, next);
  };
  router.post(ADMIN_CHANNEL_PATH, callerHoldsTheSecret, express.json({ limit: '256kb' }), async (req, res, next) => {
    try {
      const body = parse(commandBody, req.body);
      res.json(await channel.run(body.command, body.values));
    } catch (err) {
      next(err);
    }
  });
  return router;
}

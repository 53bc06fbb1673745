import express, { Router, type RequestHandler } from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import type { Config } from '../../config/config';
import type { Db } from '../../db/client';
import { payloadCodecFor } from '../../temporal/data-converter';
import { authenticate, principalOf } from '../auth';
import { loadSession } from '../console/session';
import { AppError, parse } from '../errors';
import { forbidden } from '../../domain/errors';

export type CodecConfig = Partial<Pick<Config, 'RECOUP_PAYLOAD_KEYS' | 'RECOUP_CODEC_CORS_ORIGINS' | 'RECOUP_BOOTSTRAP_OPS_KEY'>>;

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64');
const payloadsBody = z.object({
  payloads: z
    .array(
      z.object({
        metadata: z.record(z.string(), base64).nullish(),
        data: base64.nullish(),
      }),
    )
    .max(10_000),
});
type JsonPayload = z.infer<typeof payloadsBody>['payloads'][number];

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

/**
 * The codec server of the Temporal Web UI and CLI (`POST /decode`, `POST /encode` over
 * `{ payloads }` with base64 metadata and data), mounted at `/codec` and at `/console/codec`.
 * Callers: an ops API key as a bearer token (CLI, scripts), or a console session of an ops user
 * (the Web UI with "include cross-origin credentials"; the session cookie's path is `/console`,
 * hence the second mount). CORS answers only the configured origins. With encryption off
 * (`RECOUP_PAYLOAD_KEYS` unset) every route answers 404.
 */
export function codecRoutes({ db, config }: { db: Db; config: CodecConfig }): Router {
  const r = Router();
  const codec = payloadCodecFor(config);
  const origins = new Set((config.RECOUP_CODEC_CORS_ORIGINS ?? '').split(',').map((o) => o.trim().replace(/\/$/, '')).filter(Boolean));

  r.use((req, res, next) => {
    const origin = req.get('origin');
    if (origin && origins.has(origin)) {
      res.set({ 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true' });
    }
    res.vary('Origin');
    res.set('Cache-Control', 'no-store');
    if (!codec) throw new AppError(404, 'not_found', 'Payload encryption is off (RECOUP_PAYLOAD_KEYS is unset): there is no codec endpoint');
    // Preflight: answered without credentials, as browsers send none with it.
    if (req.method === 'OPTIONS') {
      if (res.get('Access-Control-Allow-Origin')) {
        res.set({ 'Access-Control-Allow-Methods': 'POST', 'Access-Control-Allow-Headers': 'content-type,x-namespace,authorization', 'Access-Control-Max-Age': '600' });
      }
      res.status(204).end();
      return;
    }
    next();
  });
  r.use(express.json({ limit: '8mb' }));
  r.use(codecCaller(db, config.RECOUP_BOOTSTRAP_OPS_KEY));

  const route = (run: (c: PayloadCodec, payloads: Payload[]) => Promise<Payload[]>): RequestHandler =>
    async (req, res) => {
      const body = parse(payloadsBody, req.body);
      let payloads: Payload[];
      try {
        payloads = await run(codec!, body.payloads.map(fromJson));
      } catch (err) {
        throw new AppError(422, 'codec_failed', (err as Error).message);
      }
      res.json({ payloads: payloads.map(toJson) });
    };
  r.post('/decode', route((c, p) => c.decode(p)));
  r.post('/encode', route((c, p) => c.encode(p)));
  return r;
}

/** An ops API key (bearer) or an ops console session; a partner key or a reviewer is refused. */
function codecCaller(db: Db, bootstrapOpsKey: string | undefined): RequestHandler {
  const byKey = authenticate(db, bootstrapOpsKey);
  const bySession = loadSession(db);
  return async (req, res, next) => {
    if (req.get('authorization')) {
      await byKey(req, res, () => undefined);
      if (principalOf(req).role !== 'ops') throw forbidden('Only ops keys may decode payloads');
      return next();
    }
    await bySession(req, res, () => undefined);
    if (!req.consoleUser) throw new AppError(401, 'unauthorized', 'Send an ops API key as "Authorization: Bearer <key>" or sign in to the console as an ops user');
    if (req.consoleUser.role !== 'ops') throw forbidden('Only ops users may decode payloads');
    next();
  };
}

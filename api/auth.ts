import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Db } from '../db/client';
import { findPrincipal, type Principal, type Role } from '../services/api-keys';
import { AppError } from './errors';
import type { ApiKeyCache } from './api-key-cache';
import { forbidden } from '../domain/errors';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

export function principalOf(req: Request): Principal {
  if (!req.principal) throw new AppError(401, 'unauthorized', 'An API key is required');
  return req.principal;
}

/**
 * Bearer API keys; the bootstrap ops key (when configured) is accepted as ops. With a cache
 * (api/api-key-cache.ts, what the API process runs with) a key seen before costs no database round trip.
 */
export function authenticate(db: Db, bootstrapOpsKey?: string, cache?: ApiKeyCache): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AppError(401, 'unauthorized', 'Send your API key as "Authorization: Bearer <key>"');
    const secret = match[1]!;
    if (bootstrapOpsKey && safeEqual(secret, bootstrapOpsKey)) {
      req.principal = { role: 'ops', partnerId: null, keyId: 'bootstrap', ipAllowList: [] };
      return next();
    }
    const principal = cache ? await cache.find(secret) : await findPrincipal(db, secret);
    if (!principal) throw new AppError(401, 'unauthorized', 'The API key is unknown or revoked');
    if (principal.ipAllowList.length > 0 && !ipAllowed(req.ip ?? '', principal.ipAllowList)) {
      throw new AppError(403, 'ip_not_allowed', 'Requests with this key are not allowed from your IP address');
    }
    req.principal = principal;
    next();
  };
}

export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    if (!roles.includes(principalOf(req).role)) throw forbidden(`This needs the ${roles.join(' or ')} role`);
    next();
  };
}

export function ipAllowed(ip: string, cidrs: string[]): boolean {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [addr, bits] = cidr.split('/');
    if (!addr) continue;
    const type = isIPv6(addr) ? 'ipv6' : 'ipv4';
    // An entry that is no address (stored by hand or by an older version) allows nothing, rather than failing every request.
    try {
      if (bits === undefined) list.addAddress(addr, type);
      else list.addSubnet(addr, Number(bits), type);
    } catch {
      continue;
    }
  }
  const plain = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
  if (!isIPv4(plain) && !isIPv6(plain)) return false;
  return list.check(plain, isIPv6(plain) ? 'ipv6' : 'ipv4');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

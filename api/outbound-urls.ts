import { checkUrl, type OutboundGuard } from '../outbound/guard';
import { urlNotAllowed } from '../domain/errors';

/**
 * The registration check of a partner-configured URL (webhook endpoint, `http` collector, pull
 * source): a 400 `url_not_allowed` naming the field when it would reach a non-public address.
 */
export async function requireAllowedUrl(guard: OutboundGuard, url: string, path: string): Promise<void> {
  const refusal = await checkUrl(guard, url);
  if (refusal) throw urlNotAllowed(path, refusal.message);
}

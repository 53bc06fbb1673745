import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, type ScalarTag } from 'yaml';

/**
 * docker-compose.yml (and its override files) parsed as Compose reads them, and .env.example as
 * Compose's `.env`, for tests that assert on the deployment without Docker.
 */
export const repoRoot = path.join(__dirname, '..', '..');

export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
  user?: string;
  ports?: Array<string | { target: number; published?: string | number; host_ip?: string }>;
  expose?: Array<string | number>;
  profiles?: string[];
  volumes?: string[];
}
export interface ComposeFile {
  services: Record<string, ComposeService>;
}

/** Compose's `!override` / `!reset` tags (an override file replaces a list instead of appending to it). */
const composeTags = ['!override', '!reset'].map((tag) => ({ tag, collection: 'seq' as const, resolve: (value: unknown) => value })) as unknown as ScalarTag[];

export function readComposeText(file: string): string {
  return readFileSync(path.join(repoRoot, file), 'utf8');
}

export function parseCompose(text: string): ComposeFile {
  // `<<` merge keys (YAML 1.1) are how the file shares the app's environment, as Compose reads it.
  return parseYaml(text, { merge: true, customTags: composeTags }) as ComposeFile;
}

export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** Compose's interpolation: `${V}`, `${V:-default}`, `${V-default}`, `${V:?error}`, `${V?error}`. */
export function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?:(:?)([-?])([^}]*))?\}/g, (_m, name: string, colon: string, op: string, arg: string) => {
    const v = env[name];
    const unset = v === undefined || (colon === ':' && v === '');
    if (op === '-') return unset ? arg : v!;
    if (op === '?' && unset) throw new Error(`${name}: ${arg}`);
    return v ?? '';
  });
}

/** The variables a compose file interpolates (comment lines aside). */
export const interpolated = (text: string) =>
  text
    .split('\n')
    .filter((line) => !line.trim().startsWith('#'))
    .flatMap((line) => [...line.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!));

/** A service's environment after interpolation with `env` (throws on a `:?` whose variable is unset). */
export function serviceEnv(compose: ComposeFile, service: string, env: Record<string, string>): Record<string, string> {
  const raw = compose.services[service]!.environment ?? {};
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, interpolate(String(v ?? ''), env)]));
}

/** A published port as Compose reads the short syntax `[HOST_IP:]HOST_PORT:CONTAINER_PORT` (or the long one). */
export function publishedPorts(service: ComposeService, env: Record<string, string>): Array<{ hostIp: string; published: string; target: string }> {
  return (service.ports ?? []).map((p) => {
    if (typeof p !== 'string') return { hostIp: p.host_ip ?? '0.0.0.0', published: String(p.published ?? p.target), target: String(p.target) };
    const parts = interpolate(p, env).split(':');
    const target = parts.pop()!;
    const published = parts.pop() ?? target;
    // No host IP: Compose publishes on every interface.
    return { hostIp: parts.join(':') || '0.0.0.0', published, target };
  });
}

/** .env.example as Compose reads it. */
export const envExample: Record<string, string> = parseDotEnv(readFileSync(path.join(repoRoot, '.env.example'), 'utf8'));

/** .env.example as an operator fills it in: the required secrets and settings set. */
export const filledInEnv: Record<string, string> = {
  ...envExample,
  RECOUP_PORTAL_SECRET: 'a-long-random-portal-secret-0123',
  RECOUP_REPLY_SECRET: 'a-long-random-reply-secret-01234',
  RECOUP_INBOUND_EMAIL_DOMAIN: 'reply.recoup.example.com',
  RECOUP_METRICS_TOKEN: 'a-long-random-metrics-token-0123',
  POSTGRES_PASSWORD: 'a-long-random-db-password',
  STRIPE_SECRET_KEY: 'sk_live_x',
  STRIPE_WEBHOOK_SECRET: 'whsec_x',
  PUBLIC_BASE_URL: 'https://recoup.example.com',
  SMTP_URL: 'smtp://recoup:pw@smtp.example.com:587',
  RECOUP_COLLECTION_IBAN: 'NL02RABO0123456789',
  RECOUP_COLLECTION_BIC: 'RABONL2U',
};

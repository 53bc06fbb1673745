import { z } from 'zod';
import { batchFileLimitDefaults } from '../domain/batch-file';
import { invalidAllowListEntries } from '../outbound/allow-list';
import { parsePayloadKeys } from '../temporal/payload-codec';

// Development defaults, written here once so production mode can refuse each of them by name.
/** Signs portal links when RECOUP_PORTAL_SECRET is unset: public, so `npm start` only. */
const DEV_PORTAL_SECRET = 'recoup-dev-portal-secret-change-me';
/** Signs reply addresses when RECOUP_REPLY_SECRET is unset: public, so `npm start` only. */
const DEV_REPLY_SECRET = 'recoup-dev-reply-secret-change-me';
/** The Reply-To domain when RECOUP_INBOUND_EMAIL_DOMAIN is unset: mail clients on this machine only. */
const DEV_INBOUND_EMAIL_DOMAIN = 'reply.localhost';
/** A well-known test IBAN (and its bank's BIC): statements and exports work out of the box; production must name its own. */
const DEV_COLLECTION_IBAN = 'NL91ABNA0417164300';
const DEV_COLLECTION_BIC = 'ABNANL2A';

/** A key list `keyId:base64-32-bytes,…` (the first key encrypts, every key decrypts); optional. */
function keyListSetting() {
  return z
    .string()
    .min(1)
    .optional()
    .superRefine((value, ctx) => {
      if (value === undefined) return;
      try {
        parsePayloadKeys(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    });
}

/** Every setting Recoup reads from the environment. Nothing else reads process.env. */
export const configSchema = z.object({
  /** `production` switches on the start-up check of `productionProblems` (docs/operations.md: Production). */
  NODE_ENV: z.string().min(1).optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_BASE_URL: z.url().optional(),
  DATABASE_URL: z.string().min(1).optional(),
  RECOUP_DATA_DIR: z.string().min(1).default('./.data'),
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('recoup-invoices'),
  TEMPORAL_CLI: z.string().min(1).optional(),
  /** mTLS to Temporal (PEM file paths): the client certificate and key, and the CA that signed the server's certificate. */
  TEMPORAL_TLS_CERT: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS_CA: z.string().min(1).optional(),
  /** The name the server's certificate is checked against, when it differs from TEMPORAL_ADDRESS's host. */
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  /** gRPC port of the dev server `npm start` runs when TEMPORAL_ADDRESS is unset. */
  TEMPORAL_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  SMTP_URL: z.string().min(1).optional(),
  MAIL_FROM: z.string().min(3).default('Recoup <no-reply@recoup.local>'),
  TWILIO_ACCOUNT_SID: z.string().min(1).optional(),
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  TWILIO_FROM: z.string().min(1).optional(),
  TWILIO_MESSAGING_SERVICE_SID: z.string().min(1).optional(),
  TWILIO_API_BASE_URL: z.url().optional(),
  RECOUP_BOOTSTRAP_OPS_KEY: z.string().min(16).optional(),
  RECOUP_PORTAL_SECRET: z.string().min(16).optional(),
  /** Who takes the debtor's portal payments: `test` (a local fake checkout, dev and tests only) or `stripe` (Checkout). */
  PAYMENT_PROVIDER: z.enum(['test', 'stripe']).default('test'),
  STRIPE_SECRET_KEY: z.string().min(1).optional(),
  STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
  /** Stripe's API, or a compatible local server in tests. */
  STRIPE_API_BASE_URL: z.url().default('https://api.stripe.com'),
  /** Signs the test provider's webhooks; unset → a random one kept in `$RECOUP_DATA_DIR` (payments/test-provider-secret.ts). */
  PAYMENT_WEBHOOK_SECRET: z.string().min(16).optional(),
  /**
   * Inbound email (replies and bounces, docs/conversations.md: Inbound email): the SMTP port
   * (unset → off; `npm start` uses 2525; 0 → any free port), the address it listens on, the
   * domain of every email's Reply-To (its MX record points at this server) and the key that
   * signs each reply address.
   */
  RECOUP_INBOUND_SMTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  RECOUP_INBOUND_SMTP_HOST: z.string().min(1).default('0.0.0.0'),
  RECOUP_INBOUND_EMAIL_DOMAIN: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, 'must be a domain name such as reply.example.com')
    .optional(),
  RECOUP_REPLY_SECRET: z.string().min(16).optional(),
  /** Off where a separate `npm run db:migrate` step runs first (docker-compose). */
  RECOUP_MIGRATE_ON_START: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `pretty`: one readable line per entry (and dev-outbox messages as blocks); `json`: pino's JSON lines. Unset → see `logFormat`. */
  LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
  /** Recoup's collection account (where debtors pay): the account of the MT940 / camt.053 exports and of imported bank statements. */
  RECOUP_COLLECTION_IBAN: z
    .string()
    .transform((v) => v.replace(/\s+/g, '').toUpperCase())
    .pipe(z.string().regex(/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/, 'must be an IBAN'))
    .default(DEV_COLLECTION_IBAN),
  RECOUP_COLLECTION_BIC: z.string().regex(/^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$/, 'must be a BIC (8 or 11 characters)').default(DEV_COLLECTION_BIC),
  RECOUP_COLLECTION_ACCOUNT_NAME: z.string().trim().min(1).max(70).default('Recoup collection account'),
  /** Requests per API key per minute (fixed window, counted in the database); 0 switches limiting off. */
  RECOUP_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(600),
  /** Where the `file` debt collector writes its daily batch files; default `$RECOUP_DATA_DIR/collector-outbox`. */
  RECOUP_COLLECTOR_OUTBOX_DIR: z.string().min(1).optional(),
  /** JSON batch files: `<dir>/<partner id>/{inbox,processed,outbox}`; default `$RECOUP_DATA_DIR/files`. */
  RECOUP_FILES_DIR: z.string().min(1).optional(),
  /** Watch every partner's `inbox/` for dropped batch files (worker and `npm start`). */
  RECOUP_FILES_WATCH: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  /** Seconds between two looks at the inboxes; a file is complete once unchanged between two looks. */
  RECOUP_FILES_POLL_SECONDS: z.coerce.number().min(0.05).max(3600).default(3),
  /** Largest batch file taken (SFTP uploads are cut off there, dropped files over it refused); bytes. */
  RECOUP_MAX_BATCH_FILE_BYTES: z.coerce.number().int().min(1024).default(batchFileLimitDefaults.maxFileBytes),
  /** Longest line of a batch file; a longer one is reported by its line number and skipped unread; bytes. */
  RECOUP_MAX_BATCH_LINE_BYTES: z.coerce.number().int().min(1024).default(batchFileLimitDefaults.maxLineBytes),
  /** Payload encryption: `keyId:base64-32-bytes,…`; the first key encrypts, all decrypt. Unset → payloads in clear. */
  RECOUP_PAYLOAD_KEYS: keyListSetting(),
  /**
   * Seals secrets kept in the database (webhook secrets, pull-source tokens, stored idempotent
   * responses): `keyId:base64-32-bytes,…`; the first key seals, all open. Unset → a key generated
   * once in `$RECOUP_DATA_DIR/secret-keys` (development; API and worker must share the folder).
   */
  RECOUP_SECRET_KEYS: keyListSetting(),
  /** Origins (comma-separated) whose browsers may call the codec endpoint: the Temporal Web UI's. */
  RECOUP_CODEC_CORS_ORIGINS: z.string().min(1).default('http://localhost:8233'),
  /** SFTP server for partners' batch files: its port (unset → off; `npm start` uses 2222), address and host key file. */
  RECOUP_SFTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  RECOUP_SFTP_HOST: z.string().min(1).default('0.0.0.0'),
  /** An OpenSSH private host key; unset → one generated once at `$RECOUP_DATA_DIR/sftp_host_ed25519_key`. */
  RECOUP_SFTP_HOST_KEY_FILE: z.string().min(1).optional(),
  /**
   * Named exceptions to "partner URLs reach public addresses only": comma-separated host names, IP
   * addresses and CIDRs (e.g. `127.0.0.1` for a local test receiver). Unset → none.
   */
  RECOUP_ALLOW_PRIVATE_URLS: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      const invalid = value === undefined ? [] : invalidAllowListEntries(value);
      if (invalid.length > 0) ctx.addIssue({ code: 'custom', message: `not a host name, IP address or CIDR: ${invalid.join(', ')}` });
    }),
  /** Bearer token for the API's `GET /metrics`; unset → open (keep the port internal). Required in production. */
  RECOUP_METRICS_TOKEN: z.string().min(16).optional(),
  /** The worker's own HTTP port: `/metrics`, `/healthz`, `/readyz`; 0 switches it off. */
  RECOUP_WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** Loopback port where the Temporal SDK exports its metrics, appended to the worker's `/metrics`; 0 → not collected. */
  RECOUP_WORKER_SDK_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9465),
  /**
   * How long a debtor's workflow waits, after a request for contact, for the requests of the
   * debtor's other open invoices, so they go out as one digest (docs/debtors.md#one-contact-budget).
   */
  RECOUP_DEBTOR_GATHERING_WINDOW_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
  /** API shutdown: how long in-flight requests may take after SIGTERM before the process exits anyway. */
  RECOUP_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(25_000),
  /** Worker tuning; unset → the Temporal SDK's defaults, except the cache (memory per cached workflow: BENCHMARKS.md). */
  RECOUP_WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).optional(),
  RECOUP_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).optional(),
  RECOUP_WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(500),
  /**
   * A print-and-mail service's HTTP API: each letter's PDF is POSTed there and counts as posted
   * when it answers 2xx. Unset → letters collect in daily print batches that ops print and post.
   */
  PRINT_MAIL_API_URL: z.url().optional(),
  /** Bearer key of PRINT_MAIL_API_URL; required with it. */
  PRINT_MAIL_API_KEY: z.string().min(1).optional(),
  /** Worker shutdown: how long running activities may finish after SIGTERM (ms-style duration, e.g. `30s`). */
  RECOUP_WORKER_SHUTDOWN_GRACE: z.string().regex(/^\d+(ms|s|m)$/, 'a duration such as 500ms, 30s or 1m').default('30s'),
});

export type EnvConfig = z.infer<typeof configSchema>;

export interface Config extends EnvConfig {
  publicBaseUrl: string;
  portalSecret: string;
  /** Reply addresses (inbound/reply-address.ts): their domain and signing key. */
  inboundEmail: { domain: string; secret: string };
  /** NODE_ENV=production: start-up refuses development defaults; SMS without Twilio is skipped, never put in the dev outbox. */
  production: boolean;
  /**
   * LOG_FORMAT, or unset: `pretty` for a developer at a terminal (stdout is a TTY, not production),
   * `json` everywhere else (production, containers, output piped to a file or a log collector).
   */
  logFormat: 'pretty' | 'json';
}

/** What parseConfig needs to know of the process beyond its environment. */
export interface ConfigRuntime {
  /** Whether stdout is a terminal (a person reads the logs as they come). */
  stdoutIsTTY: boolean;
}

export function parseConfig(env: Record<string, string | undefined>, runtime: ConfigRuntime = { stdoutIsTTY: false }): Config {
  const parsed = configSchema.safeParse(stripEmpty(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const production = c.NODE_ENV === 'production';
  // In production `productionProblems` names each missing Stripe setting along with everything else.
  if (!production && c.PAYMENT_PROVIDER === 'stripe' && (!c.STRIPE_SECRET_KEY || !c.STRIPE_WEBHOOK_SECRET)) {
    throw new ConfigError('Invalid configuration:\n  STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET: required when PAYMENT_PROVIDER=stripe');
  }
  if (Boolean(c.TEMPORAL_TLS_CERT) !== Boolean(c.TEMPORAL_TLS_KEY)) {
    throw new ConfigError('Invalid configuration:\n  TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY: set both (the client certificate and its key) or neither');
  }
  if (c.PRINT_MAIL_API_URL && !c.PRINT_MAIL_API_KEY) {
    throw new ConfigError('Invalid configuration:\n  PRINT_MAIL_API_KEY: required when PRINT_MAIL_API_URL is set');
  }
  return {
    ...c,
    production,
    logFormat: c.LOG_FORMAT ?? (runtime.stdoutIsTTY && !production ? 'pretty' : 'json'),
    publicBaseUrl: (c.PUBLIC_BASE_URL ?? `http://localhost:${c.PORT}`).replace(/\/$/, ''),
    // A dev-only fallback keeps `npm start` at zero setup; production has none (productionProblems refuses it unset).
    portalSecret: c.RECOUP_PORTAL_SECRET ?? (production ? '' : DEV_PORTAL_SECRET),
    inboundEmail: { domain: c.RECOUP_INBOUND_EMAIL_DOMAIN ?? (production ? '' : DEV_INBOUND_EMAIL_DOMAIN), secret: c.RECOUP_REPLY_SECRET ?? (production ? '' : DEV_REPLY_SECRET) },
  };
}

/**
 * What production mode refuses, one line per variable: a signing secret unset or left at a
 * development default, the built-in test payment provider, email to the dev outbox, an open
 * `/metrics`, the test collection account. Empty when the configuration may run in production.
 */
export function productionProblems(config: Config): string[] {
  const problems: string[] = [];
  const refuse = (variable: string, why: string) => problems.push(`${variable}: ${why}`);
  if (!config.RECOUP_PORTAL_SECRET) refuse('RECOUP_PORTAL_SECRET', 'unset; portal links and console forms would be signed with a development default (set a long random string)');
  else if (config.RECOUP_PORTAL_SECRET === DEV_PORTAL_SECRET) refuse('RECOUP_PORTAL_SECRET', 'is the development default written in the source (set a long random string)');
  if (!config.RECOUP_REPLY_SECRET) refuse('RECOUP_REPLY_SECRET', 'unset; reply addresses would be signed with a development default, so anyone could forge one (set a long random string)');
  else if (config.RECOUP_REPLY_SECRET === DEV_REPLY_SECRET) refuse('RECOUP_REPLY_SECRET', 'is the development default written in the source (set a long random string)');
  if (!config.RECOUP_INBOUND_EMAIL_DOMAIN) refuse('RECOUP_INBOUND_EMAIL_DOMAIN', "unset; debtors' replies would go to a domain nobody receives mail for (set the domain whose MX record points at the inbound SMTP server)");
  if (!config.PUBLIC_BASE_URL) refuse('PUBLIC_BASE_URL', `unset; the links in messages to debtors would point at ${config.publicBaseUrl} (set the API's public https URL)`);
  if (config.PAYMENT_PROVIDER === 'test') refuse('PAYMENT_PROVIDER', 'is the built-in `test` provider, which marks invoices paid without moving money (set stripe)');
  if (config.PAYMENT_PROVIDER === 'stripe') {
    if (!config.STRIPE_SECRET_KEY) refuse('STRIPE_SECRET_KEY', 'unset; required with PAYMENT_PROVIDER=stripe');
    if (!config.STRIPE_WEBHOOK_SECRET) refuse('STRIPE_WEBHOOK_SECRET', "unset; Stripe's payment events could not be verified (the endpoint's whsec_ signing secret)");
  }
  if (!config.SMTP_URL) refuse('SMTP_URL', 'unset; email would go to the dev outbox instead of debtors (set your mail relay, smtp://user:pass@host:port)');
  if (!config.RECOUP_METRICS_TOKEN) refuse('RECOUP_METRICS_TOKEN', 'unset; /metrics would be open to anyone who reaches the API (set a long random string)');
  if (config.RECOUP_COLLECTION_IBAN === DEV_COLLECTION_IBAN) refuse('RECOUP_COLLECTION_IBAN', 'unset or the test IBAN written in the source; debtors would be told to pay into it (set your collection account)');
  // A half-configured Twilio would silently skip every SMS: name what is missing.
  const twilio = { TWILIO_ACCOUNT_SID: config.TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN: config.TWILIO_AUTH_TOKEN, TWILIO_FROM: config.TWILIO_FROM ?? config.TWILIO_MESSAGING_SERVICE_SID };
  if (Object.values(twilio).some(Boolean)) {
    for (const [name, value] of Object.entries(twilio)) {
      if (!value) refuse(name === 'TWILIO_FROM' ? 'TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID' : name, 'unset while other TWILIO_ settings are set; set it, or unset them all to run without SMS');
    }
  }
  return problems;
}

/**
 * Parse once at start; print the field errors and exit 2 on a bad environment. With
 * NODE_ENV=production, also exit 2 on any of `productionProblems`, one line each.
 */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  let config: Config;
  try {
    config = parseConfig(env, { stdoutIsTTY: Boolean(process.stdout.isTTY) });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const problems = config.production ? productionProblems(config) : [];
  if (problems.length > 0) {
    console.error(`Refusing to start in production mode (NODE_ENV=production):\n${problems.map((p) => `  ${p}`).join('\n')}`);
    process.exit(2);
  }
  return config;
}

export class ConfigError extends Error {}

// An empty variable (FOO=) means "not set", as in most twelve-factor apps.
function stripEmpty(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

import { z } from 'zod';
import { parsePayloadKeys } from '../temporal/payload-codec';

/** Every setting Recoup reads from the environment. Nothing else reads process.env. */
export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_BASE_URL: z.url().optional(),
  DATABASE_URL: z.string().min(1).optional(),
  RECOUP_DATA_DIR: z.string().min(1).default('./.data'),
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('recoup-invoices'),
  TEMPORAL_CLI: z.string().min(1).optional(),
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
  /** Signs the test provider's webhooks; a dev value when unset. */
  PAYMENT_WEBHOOK_SECRET: z.string().min(16).optional(),
  /** Off where a separate `npm run db:migrate` step runs first (docker-compose). */
  RECOUP_MIGRATE_ON_START: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Recoup's collection account (where debtors pay): the account of the MT940 / camt.053 exports and of imported bank statements. */
  RECOUP_COLLECTION_IBAN: z
    .string()
    .transform((v) => v.replace(/\s+/g, '').toUpperCase())
    .pipe(z.string().regex(/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/, 'must be an IBAN'))
    .default('NL91ABNA0417164300'),
  RECOUP_COLLECTION_BIC: z.string().regex(/^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$/, 'must be a BIC (8 or 11 characters)').default('ABNANL2A'),
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
  /** Payload encryption: `keyId:base64-32-bytes,…`; the first key encrypts, all decrypt. Unset → payloads in clear. */
  RECOUP_PAYLOAD_KEYS: z
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
    }),
  /**
   * Seals secrets kept in the database (webhook secrets, pull-source tokens, stored idempotent
   * responses): `keyId:base64-32-bytes,…`; the first key seals, all open. Unset → a key generated
   * once in `$RECOUP_DATA_DIR/secret-keys` (development; API and worker must share the folder).
   */
  RECOUP_SECRET_KEYS: z
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
    }),
  /** Origins (comma-separated) whose browsers may call the codec endpoint: the Temporal Web UI's. */
  RECOUP_CODEC_CORS_ORIGINS: z.string().min(1).default('http://localhost:8233'),
  /** SFTP server for partners' batch files: its port (unset → off; `npm start` uses 2222), address and host key file. */
  RECOUP_SFTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  RECOUP_SFTP_HOST: z.string().min(1).default('0.0.0.0'),
  /** An OpenSSH private host key; unset → one generated once at `$RECOUP_DATA_DIR/sftp_host_ed25519_key`. */
  RECOUP_SFTP_HOST_KEY_FILE: z.string().min(1).optional(),
  /** Optional bearer token for the API's `GET /metrics`; unset → open (keep the port internal). */
  RECOUP_METRICS_TOKEN: z.string().min(16).optional(),
  /** The worker's own HTTP port: `/metrics`, `/healthz`, `/readyz`; 0 switches it off. */
  RECOUP_WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** Loopback port where the Temporal SDK exports its metrics, appended to the worker's `/metrics`; 0 → not collected. */
  RECOUP_WORKER_SDK_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9465),
  /** API shutdown: how long in-flight requests may take after SIGTERM before the process exits anyway. */
  RECOUP_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(25_000),
  /** Worker tuning; unset → the Temporal SDK's defaults, except the cache (memory per cached workflow: BENCHMARKS.md). */
  RECOUP_WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).optional(),
  RECOUP_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).optional(),
  RECOUP_WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(500),
  /** Worker shutdown: how long running activities may finish after SIGTERM (ms-style duration, e.g. `30s`). */
  RECOUP_WORKER_SHUTDOWN_GRACE: z.string().regex(/^\d+(ms|s|m)$/, 'a duration such as 500ms, 30s or 1m').default('30s'),
});

export type EnvConfig = z.infer<typeof configSchema>;

export interface Config extends EnvConfig {
  publicBaseUrl: string;
  portalSecret: string;
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  const parsed = configSchema.safeParse(stripEmpty(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  if (c.PAYMENT_PROVIDER === 'stripe' && (!c.STRIPE_SECRET_KEY || !c.STRIPE_WEBHOOK_SECRET)) {
    throw new ConfigError('Invalid configuration:\n  STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET: required when PAYMENT_PROVIDER=stripe');
  }
  return {
    ...c,
    publicBaseUrl: (c.PUBLIC_BASE_URL ?? `http://localhost:${c.PORT}`).replace(/\/$/, ''),
    // A dev-only fallback keeps `npm start` at zero setup; production sets its own secret.
    portalSecret: c.RECOUP_PORTAL_SECRET ?? 'recoup-dev-portal-secret-change-me',
  };
}

/** Parse once at start; print the field errors and exit non-zero on a bad environment. */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}

export class ConfigError extends Error {}

// An empty variable (FOO=) means "not set", as in most twelve-factor apps.
function stripEmpty(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

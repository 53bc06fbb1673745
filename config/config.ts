import { z } from 'zod';

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
  /** Requests per API key per minute (fixed window, counted in the database); 0 switches limiting off. */
  RECOUP_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(600),
  /** Where the `file` debt collector writes its daily batch files; default `$RECOUP_DATA_DIR/collector-outbox`. */
  RECOUP_COLLECTOR_OUTBOX_DIR: z.string().min(1).optional(),
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

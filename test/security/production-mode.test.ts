import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSmsSender } from '../../messaging/sms';
import { loadConfigOrExit, parseConfig, productionProblems } from '../../config/config';
import { paymentProviderFor } from '../../payments/configured-provider';
import { isTestPaymentProvider, TEST_PROVIDER_SIGNATURE_HEADER, type TestProviderEvent } from '../../payments/test-provider';
import { TEST_PROVIDER_SECRET_FILE } from '../../payments/test-provider-secret';
import { signatureHeader } from '../../services/hmac-signature';
import { WebhookVerificationError } from '../../payments/payment-provider';
import { parseDotEnv, repoRoot } from '../support/compose-file';
import { silentLogger } from '../support/logger';
import { dateFrom, seedInvoice } from '../support/seed';
import { startWorkflowTestEnv, type WorkflowTestEnv } from '../support/workflow-env';
import { startDevServerEnv } from '../support/dev-server';

/**
 * Issue 13, item 2: production mode (NODE_ENV=production) refuses, at start and one line per
 * variable, what would make a real install unsafe: development signing secrets, the built-in test
 * payment provider, the dev outbox, an open /metrics, the test collection account.
 */

/** Settings that pass the production check: what .env.example asks for, filled in. */
const goodProduction: Record<string, string> = {
  NODE_ENV: 'production',
  PUBLIC_BASE_URL: 'https://recoup.example.com',
  RECOUP_PORTAL_SECRET: randomBytes(32).toString('hex'),
  RECOUP_REPLY_SECRET: randomBytes(32).toString('hex'),
  RECOUP_INBOUND_EMAIL_DOMAIN: 'reply.recoup.example.com',
  RECOUP_METRICS_TOKEN: randomBytes(32).toString('hex'),
  PAYMENT_PROVIDER: 'stripe',
  STRIPE_SECRET_KEY: `sk_live_${randomBytes(12).toString('hex')}`,
  STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
  SMTP_URL: 'smtp://recoup:pw@smtp.example.com:587',
  RECOUP_COLLECTION_IBAN: 'NL02RABO0123456789',
  RECOUP_COLLECTION_BIC: 'RABONL2U',
};

/** The variables named at the start of the refusal's lines (`  NAME: why`). */
function namedVariables(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((line) => /^ {2}([A-Z0-9_]+(?: or [A-Z0-9_]+)?): /.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

/**
 * `npm start` in production against a Temporal server of the test's own (TEMPORAL_ADDRESS): it runs
 * until its banner is printed, then is stopped with SIGTERM.
 */
function startUntilBanner(env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/start.ts'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 110_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('Press Ctrl-C to stop.')) child.kill('SIGTERM');
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve({ stdout, stderr });
    });
  });
}

/** A Recoup entry point as `npm run …` and the image run it, with only the given environment. */
function runEntryPoint(file: string, env: Record<string, string>, args: string[] = []): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

describe('a process started with NODE_ENV=production', () => {
  const everyDefault = ['PUBLIC_BASE_URL', 'RECOUP_PORTAL_SECRET', 'RECOUP_REPLY_SECRET', 'RECOUP_INBOUND_EMAIL_DOMAIN', 'PAYMENT_PROVIDER', 'SMTP_URL', 'RECOUP_METRICS_TOKEN', 'RECOUP_COLLECTION_IBAN'];

  test.each([
    ['npm run api', 'api/main.ts', []],
    ['npm run worker', 'worker/main.ts', []],
    ['npm start', 'cli/start.ts', []],
    ['npm run sftp', 'files/sftp-main.ts', []],
    ['npm run inbound-smtp', 'inbound/main.ts', []],
    ['npm run db:migrate', 'db/migrate.ts', []],
    ['npm run recoup', 'cli/recoup.ts', ['partners:create', '--name', 'Nobody']],
  ])('%s refuses to start on an empty environment: exit code 2, one line naming each variable', async (_name, file, args) => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'recoup-prod-'));
    try {
      const { code, stderr } = await runEntryPoint(file, { NODE_ENV: 'production', RECOUP_DATA_DIR: dataDir }, args);
      expect(code).toBe(2);
      expect(stderr).toContain('Refusing to start in production mode (NODE_ENV=production)');
      expect(namedVariables(stderr).sort()).toEqual([...everyDefault].sort());
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  test('the development defaults written in the source are refused even when set explicitly', async () => {
    const { code, stderr } = await runEntryPoint('api/main.ts', {
      ...goodProduction,
      RECOUP_PORTAL_SECRET: 'recoup-dev-portal-secret-change-me',
      RECOUP_REPLY_SECRET: 'recoup-dev-reply-secret-change-me',
      PAYMENT_PROVIDER: 'test',
      PAYMENT_WEBHOOK_SECRET: randomBytes(16).toString('hex'),
      RECOUP_COLLECTION_IBAN: 'NL91 ABNA 0417 1643 00',
    });
    expect(code).toBe(2);
    expect(namedVariables(stderr).sort()).toEqual(['PAYMENT_PROVIDER', 'RECOUP_COLLECTION_IBAN', 'RECOUP_PORTAL_SECRET', 'RECOUP_REPLY_SECRET']);
    expect(stderr).toMatch(/RECOUP_PORTAL_SECRET: is the development default/);
    expect(stderr).toMatch(/PAYMENT_PROVIDER: is the built-in `test` provider/);
    // The secrets themselves never reach the output.
    expect(stderr).not.toContain(goodProduction.RECOUP_METRICS_TOKEN);
  }, 60_000);

  test('a complete production environment passes the check, and the process starts (the migration runs to its end)', async () => {
    expect(productionProblems(parseConfig(goodProduction))).toEqual([]);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'recoup-prod-'));
    try {
      const { code, stdout, stderr } = await runEntryPoint('db/migrate.ts', { ...goodProduction, RECOUP_DATA_DIR: dataDir });
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toContain('migrations applied');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  test('npm start in production makes no demo partner, API key or SFTP login', async () => {
    const temporal = await startDevServerEnv();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'recoup-prod-start-'));
    try {
      const { stdout, stderr } = await startUntilBanner({ ...goodProduction, TEMPORAL_ADDRESS: temporal.address, RECOUP_DATA_DIR: dataDir, PORT: '0', RECOUP_SFTP_PORT: '0', RECOUP_INBOUND_SMTP_PORT: '0' });
      expect(stdout).toContain('Recoup is running.');
      expect(stderr).not.toContain('Refusing');
      expect(stdout).not.toMatch(/Demo API key|Demo SFTP|export KEY=/);
      expect(existsSync(path.join(dataDir, 'demo.json'))).toBe(false);
    } finally {
      await temporal.teardown();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 150_000);

  test('outside production the same empty environment loads with its development defaults', () => {
    const config = loadConfigOrExit({});
    expect(config.production).toBe(false);
    expect(config.portalSecret.length).toBeGreaterThanOrEqual(16);
  });

  test.each<[string, string[], Record<string, string>]>([
    ['Stripe without its keys', ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'], { STRIPE_SECRET_KEY: '', STRIPE_WEBHOOK_SECRET: '' }],
    ['Twilio half configured', ['TWILIO_AUTH_TOKEN', 'TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID'], { TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef' }],
    ['no metrics token', ['RECOUP_METRICS_TOKEN'], { RECOUP_METRICS_TOKEN: '' }],
    ['no mail relay', ['SMTP_URL'], { SMTP_URL: '' }],
    ['Twilio fully configured (SMS on)', [], { TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef', TWILIO_AUTH_TOKEN: 'token', TWILIO_MESSAGING_SERVICE_SID: 'MG01' }],
    ['no Twilio at all (SMS steps skipped)', [], {}],
  ])('%s: the check names %j', (_case, named, change) => {
    const problems = productionProblems(parseConfig({ ...goodProduction, ...change }));
    expect(problems.map((p) => p.split(': ')[0])).toEqual(named);
  });
});

describe('.env.example', () => {
  const example = parseDotEnv(readFileSync(path.join(repoRoot, '.env.example'), 'utf8'));
  /** The "Required secrets" block of .env.example. */
  const requiredSecrets = (() => {
    const text = readFileSync(path.join(repoRoot, '.env.example'), 'utf8');
    const block = text.split(/^# --- /m).find((b) => b.startsWith('Required secrets'))!;
    return [...block.matchAll(/^([A-Z0-9_]+)=$/gm)].map((m) => m[1]!);
  })();
  /** The other settings an operator must fill in, with a value of the right shape. */
  const requiredSettings = { RECOUP_INBOUND_EMAIL_DOMAIN: 'reply.recoup.example.com', PUBLIC_BASE_URL: 'https://recoup.example.com', SMTP_URL: 'smtp://recoup:pw@smtp.example.com:587', RECOUP_COLLECTION_IBAN: 'NL02RABO0123456789', RECOUP_COLLECTION_BIC: 'RABONL2U' };

  test('is a production example: with its secrets and required settings filled in, it passes the production check', () => {
    expect(example.NODE_ENV ?? 'production').toBe('production');
    expect(requiredSecrets.sort()).toEqual(['POSTGRES_PASSWORD', 'RECOUP_METRICS_TOKEN', 'RECOUP_PORTAL_SECRET', 'RECOUP_REPLY_SECRET', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET']);
    const filled = { ...example, ...Object.fromEntries(requiredSecrets.map((name) => [name, randomBytes(32).toString('hex')])), ...requiredSettings, NODE_ENV: 'production' };
    expect(productionProblems(parseConfig(filled))).toEqual([]);
  });

  test('as it stands, the production check names each placeholder still to fill in', () => {
    const problems = productionProblems(parseConfig({ ...example, NODE_ENV: 'production' }));
    expect(problems.map((p) => p.split(': ')[0]).sort()).toEqual(['PUBLIC_BASE_URL', 'RECOUP_COLLECTION_IBAN', 'RECOUP_INBOUND_EMAIL_DOMAIN', 'RECOUP_METRICS_TOKEN', 'RECOUP_PORTAL_SECRET', 'RECOUP_REPLY_SECRET', 'SMTP_URL', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET']);
  });
});

describe("the test payment provider's webhook secret", () => {
  const event: TestProviderEvent = { id: 'evt_1', type: 'checkout.session.completed', created: Math.floor(Date.now() / 1000), data: { payment_id: 'tpay_1', invoice_id: 'inv_1', amount_cents: 1_000, currency: 'EUR' } };
  const delivery = (body: string, signature: string) => ({ rawBody: Buffer.from(body), header: (name: string) => (name.toLowerCase() === TEST_PROVIDER_SIGNATURE_HEADER.toLowerCase() ? signature : undefined) });
  const providerFor = (dataDir: string) => {
    const provider = paymentProviderFor({ ...parseConfig({ RECOUP_DATA_DIR: dataDir }), publicBaseUrl: 'http://127.0.0.1:3000' });
    if (!isTestPaymentProvider(provider)) throw new Error('expected the test provider');
    return provider;
  };

  test('is random per data folder, kept there (owner-only) and shared by every process on that folder', async () => {
    const [a, b] = [mkdtempSync(path.join(os.tmpdir(), 'recoup-a-')), mkdtempSync(path.join(os.tmpdir(), 'recoup-b-'))];
    try {
      const now = new Date();
      const signedByA = providerFor(a).signEvent(event, now);
      // Another process on the same folder (a new provider reads the file) accepts A's events...
      await expect(providerFor(a).parseWebhook(delivery(signedByA.body, signedByA.signature), now)).resolves.toMatchObject({ kind: 'payment_succeeded' });
      // ...an install on another folder does not.
      await expect(providerFor(b).parseWebhook(delivery(signedByA.body, signedByA.signature), now)).rejects.toThrow(WebhookVerificationError);
      const file = path.join(a, TEST_PROVIDER_SECRET_FILE);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8').trim()).not.toBe(readFileSync(path.join(b, TEST_PROVIDER_SECRET_FILE), 'utf8').trim());
    } finally {
      rmSync(a, { recursive: true, force: true });
      rmSync(b, { recursive: true, force: true });
    }
  });

  test('an event signed with the former public development constant is refused', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'recoup-c-'));
    try {
      const now = new Date();
      const body = JSON.stringify(event);
      const forged = signatureHeader('recoup-dev-payment-webhook-secret', body, Math.floor(now.getTime() / 1000));
      await expect(providerFor(dataDir).parseWebhook(delivery(body, forged), now)).rejects.toThrow(WebhookVerificationError);
      await expect(providerFor('memory://').parseWebhook(delivery(body, forged), now)).rejects.toThrow(WebhookVerificationError);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('SMS in production without Twilio', () => {
  let t: WorkflowTestEnv;
  beforeAll(async () => {
    // What bootstrap/infrastructure.ts builds when NODE_ENV=production and no TWILIO_ settings.
    t = await startWorkflowTestEnv({ sms: createSmsSender({ logger: silentLogger, devOutbox: false }) });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  test('an SMS step is skipped with its reason recorded on the step, email still goes out, nothing lands in a dev outbox', async () => {
    const input = await seedInvoice(t.database.db, t.seed, { dueDate: dateFrom(await t.env.currentTimeMs(), 3), debtor: { phone: '+31612345678' } });
    const handle = await t.start(input);
    // Past the day-1 reminder, whose channels are email and SMS (the first reminder's time passed
    // before the notice, so the ladder starts 3 days after it: the day-1 reminder is on day 7).
    await t.env.sleep('8 days');
    const reminders = (await t.eventsOf(input.invoiceId)).filter((e) => e.type === 'invoice.reminder_sent');
    const withSms = reminders.find((e) => (e.data.step as { channels: string[] }).channels.includes('sms'))!;
    expect(withSms.data.guardrails).toContainEqual({ check: 'channel_not_configured', result: 'skipped', channel: 'sms' });
    expect(withSms.data.messages).toContainEqual({ channel: 'sms', status: 'skipped', reason: 'sms_not_configured' });
    const messages = await t.messagesOf(input.invoiceId);
    expect(messages.filter((m) => m.channel === 'sms')).toEqual([]);
    expect(messages.filter((m) => m.channel === 'email').every((m) => m.status === 'sent' && m.transport === 'smtp')).toBe(true);
    expect(messages.some((m) => m.status === 'outbox')).toBe(false);
    await handle.terminate('test done');
  });

  test('the production SMS sender has no dev outbox to fall back to', async () => {
    const sms = createSmsSender({ logger: silentLogger, devOutbox: false });
    expect(sms.transport).toBe('not-configured');
    await expect(sms.send({ to: '+31612345678', body: 'x' })).rejects.toThrow(/not configured/);
  });
});

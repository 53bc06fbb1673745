import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { configSchema, parseConfig } from '../../config/config';
import { envExample, filledInEnv, interpolated, parseCompose, readComposeText, repoRoot as root, serviceEnv } from '../support/compose-file';

/**
 * docker-compose.yml is checked without Docker: against the Compose Specification's JSON schema
 * (vendored in test/fixtures, see compose-spec.source.md), and against the app's own settings:
 * every variable the API and the worker get is one config/config.ts knows, and with the values
 * of .env.example the configuration parses.
 */
const composeText = readComposeText('docker-compose.yml');
const compose = parseCompose(composeText);
const envOf = (service: string, env: Record<string, string>) => serviceEnv(compose, service, env);
/** .env.example as an operator fills it in: the required secrets and settings set. */
const filledIn = filledInEnv;
const appServices = ['migrate', 'api', 'worker'];

test('docker-compose.yml is valid under the Compose Specification schema', () => {
  const schema = JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'compose-spec.json'), 'utf8')) as object;
  const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  const valid = validate(compose);
  expect(validate.errors ?? []).toEqual([]);
  expect(valid).toBe(true);
  // The override file that publishes the Web UI with its sign-in is a compose file too.
  expect(validate(parseCompose(readComposeText('deploy/temporal-ui-oidc.yml')))).toBe(true);
  expect(validate.errors ?? []).toEqual([]);
});

test('the schema check catches a broken file (an unknown service key, a bad restart type)', () => {
  const schema = JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'compose-spec.json'), 'utf8')) as object;
  const validate = new Ajv({ strict: false, validateSchema: false }).compile(schema);
  expect(validate({ services: { api: { image: 'x', stop_grace: '30s' } } })).toBe(false);
  expect(validate({ services: { api: { image: 'x', restart: 3 } } })).toBe(false);
});

test('it runs Temporal on PostgreSQL, the Web UI wired to the codec endpoint, PostgreSQL, an SMTP catcher (dev profile), the migration, the API and the worker', () => {
  const s = compose.services;
  expect(Object.keys(s).sort()).toEqual(['api', 'mailpit', 'migrate', 'postgres', 'temporal', 'temporal-ui', 'worker']);
  expect(s.temporal!.image).toMatch(/^recoup-temporal:/);
  expect(s.temporal!.environment).toMatchObject({ PG_HOST: 'postgres', PG_USER: 'temporal' });
  const ui = envOf('temporal-ui', filledIn);
  expect(ui.TEMPORAL_CODEC_ENDPOINT).toBe(`${filledIn.PUBLIC_BASE_URL}/console/codec`);
  expect(ui.TEMPORAL_CODEC_INCLUDE_CREDENTIALS).toBe('true');
  // The API lets exactly the UI's browser origin call the codec.
  expect(envOf('api', filledIn).RECOUP_CODEC_CORS_ORIGINS).toBe(filledIn.TEMPORAL_UI_PUBLIC_URL);
  for (const name of appServices) {
    expect(s[name]!.build).toBe('.');
    expect(s[name]!.depends_on?.postgres?.condition ?? s[name]!.depends_on?.migrate?.condition).toMatch(/service_(healthy|completed_successfully)/);
  }
  expect(s.migrate!.command).toEqual(['node', '--import', 'tsx', 'db/migrate.ts']);
});

test('the API and the worker are checked on /readyz, restarted, and given longer to stop than their shutdown grace', () => {
  const api = compose.services.api!;
  const worker = compose.services.worker!;
  expect(api.healthcheck!.test.join(' ')).toContain(`http://127.0.0.1:${envOf('api', filledIn).PORT}/readyz`);
  expect(worker.healthcheck!.test.join(' ')).toContain(`http://127.0.0.1:${envOf('worker', filledIn).RECOUP_WORKER_METRICS_PORT}/readyz`);
  const seconds = (d: string) => Number(/^(\d+)s$/.exec(d)![1]);
  expect(seconds(api.stop_grace_period!) * 1000).toBeGreaterThan(Number(envOf('api', filledIn).RECOUP_SHUTDOWN_GRACE_MS));
  expect(seconds(worker.stop_grace_period!)).toBeGreaterThan(seconds(envOf('worker', filledIn).RECOUP_WORKER_SHUTDOWN_GRACE!));
  for (const s of [api, worker]) expect(s.restart).toBe('unless-stopped');
  // node runs the code itself (npm would not pass SIGTERM on).
  expect(api.command!.slice(0, 3)).toEqual(['node', '--import', 'tsx']);
  expect(worker.command!.slice(0, 3)).toEqual(['node', '--import', 'tsx']);
});

test.each(appServices)('every variable %s gets is a setting of config/config.ts, and with .env.example filled in they parse', (service) => {
  const known = new Set(Object.keys(configSchema.shape));
  const env = envOf(service, filledIn);
  expect(Object.keys(env).filter((k) => !known.has(k))).toEqual([]);
  const config = parseConfig(env);
  // What a deployment of separate processes cannot do without.
  expect(config.DATABASE_URL).toMatch(/^postgres:\/\/recoup:[^@]+@postgres:5432\/recoup$/);
  expect(config.TEMPORAL_ADDRESS).toBe('temporal:7233');
  expect(config.RECOUP_PORTAL_SECRET).toBe(filledIn.RECOUP_PORTAL_SECRET);
  expect(config.RECOUP_MIGRATE_ON_START).toBe(false);
  expect(config.PAYMENT_PROVIDER).toBe('stripe');
  // Settings the schema requires (no default, not optional) are all given.
  for (const [name, field] of Object.entries(configSchema.shape)) {
    if (!(field as { safeParse(v: unknown): { success: boolean } }).safeParse(undefined).success) expect(env).toHaveProperty(name);
  }
});

test('without the required secrets, Compose refuses to start (the :? interpolations)', () => {
  expect(() => envOf('api', { ...filledIn, RECOUP_PORTAL_SECRET: '' })).toThrow(/RECOUP_PORTAL_SECRET/);
  expect(() => envOf('worker', { ...filledIn, STRIPE_SECRET_KEY: '' })).toThrow(/STRIPE_SECRET_KEY/);
});

test('every variable docker-compose.yml and its OIDC override read is documented in .env.example', () => {
  const missing = [...new Set([...interpolated(composeText), ...interpolated(readComposeText('deploy/temporal-ui-oidc.yml'))])].filter((v) => !(v in envExample));
  expect(missing).toEqual([]);
});

test('the Dockerfile is multi-stage and its final stage runs as an unprivileged user', () => {
  const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  expect(stages.length).toBeGreaterThanOrEqual(2);
  const users = [...stages.at(-1)!.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
  expect(users.length).toBeGreaterThan(0);
  expect(['root', '0', '0:0']).not.toContain(users.at(-1));
  expect(stages.at(-1)).toMatch(/COPY --from=deps/);
  expect(dockerfile).toMatch(/^CMD \["node", "--import", "tsx", "api\/main\.ts"\]$/m);
});

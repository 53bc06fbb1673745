import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { parseConfig } from '../../config/config';
import { connectWorker, openInfrastructure } from '../../bootstrap/infrastructure';
import { temporalEndpointFrom, temporalTlsFrom } from '../../temporal/connection';
import { filledInEnv, parseCompose, publishedPorts, readComposeText, repoRoot, serviceEnv, type ComposeFile } from '../support/compose-file';
import { silentLogger } from '../support/logger';
import { startDevServerEnv } from '../support/dev-server';

/**
 * Issue 13, item 1: what docker-compose.yml publishes (asserted on the parsed file), and mTLS
 * from the API's and the worker's Temporal connections, through the same functions `npm run api`,
 * `npm run worker` and `npm start` use, to a real Temporal server behind a TLS terminator that
 * demands a client certificate.
 */
const compose = parseCompose(readComposeText('docker-compose.yml'));
const oidcOverride = parseCompose(readComposeText('deploy/temporal-ui-oidc.yml'));
const filledIn: Record<string, string> = {
  ...filledInEnv,
  TEMPORAL_TLS_CERT: '/etc/recoup/temporal-tls/client.pem',
  TEMPORAL_TLS_KEY: '/etc/recoup/temporal-tls/client.key',
  TEMPORAL_TLS_CA: '/etc/recoup/temporal-tls/ca.pem',
  TEMPORAL_TLS_SERVER_NAME: 'temporal',
};
const oidc = {
  TEMPORAL_AUTH_PROVIDER_URL: 'https://login.example.com',
  TEMPORAL_AUTH_CLIENT_ID: 'recoup-temporal-ui',
  TEMPORAL_AUTH_CLIENT_SECRET: 'oidc-client-secret',
  TEMPORAL_AUTH_CALLBACK_URL: 'https://temporal.example.com/auth/sso/callback',
};
const isLoopback = (ip: string) => ip === '::1' || ip.startsWith('127.');

/** docker-compose.yml with an override file merged as Compose merges it: maps by key, `!override` lists replaced. */
function merge(base: ComposeFile, override: ComposeFile): ComposeFile {
  const services = { ...base.services };
  for (const [name, o] of Object.entries(override.services)) {
    const b = services[name] ?? {};
    services[name] = { ...b, ...o, environment: { ...b.environment, ...o.environment } };
  }
  return { services };
}

/** Every published port of the Web UI binds to loopback, or the UI signs users in with OIDC. */
function webUiExposure(file: ComposeFile, env: Record<string, string>): { beyondLoopback: boolean; oidcSignIn: boolean } {
  const ui = file.services['temporal-ui']!;
  const uiEnv = serviceEnv(file, 'temporal-ui', env);
  const oidcSignIn =
    uiEnv.TEMPORAL_AUTH_ENABLED === 'true' &&
    ['TEMPORAL_AUTH_PROVIDER_URL', 'TEMPORAL_AUTH_CLIENT_ID', 'TEMPORAL_AUTH_CLIENT_SECRET', 'TEMPORAL_AUTH_CALLBACK_URL'].every((k) => Boolean(uiEnv[k]));
  return { beyondLoopback: publishedPorts(ui, env).some((p) => !isLoopback(p.hostIp)), oidcSignIn };
}

describe('docker-compose.yml', () => {
  test("Temporal's gRPC frontend is reachable on the compose network only, never published", () => {
    const temporal = compose.services.temporal!;
    expect(temporal.ports ?? []).toEqual([]);
    expect((temporal.expose ?? []).map(String)).toContain('7233');
    // Nothing else forwards to it either: no service publishes 7233.
    for (const service of Object.values(compose.services)) expect(publishedPorts(service, filledIn).map((p) => p.target)).not.toContain('7233');
  });

  test('the Web UI is published on 127.0.0.1 only, with its sign-in off', () => {
    const ports = publishedPorts(compose.services['temporal-ui']!, filledIn);
    expect(ports).toEqual([{ hostIp: '127.0.0.1', published: '8080', target: '8080' }]);
    expect(webUiExposure(compose, filledIn)).toEqual({ beyondLoopback: false, oidcSignIn: false });
  });

  test('the override that publishes the Web UI beyond loopback cannot start without its OIDC sign-in', () => {
    const published = merge(compose, oidcOverride);
    expect(webUiExposure(published, { ...filledIn, ...oidc })).toEqual({ beyondLoopback: true, oidcSignIn: true });
    // Any one OIDC setting missing: Compose refuses the file (its `:?` interpolations).
    for (const name of Object.keys(oidc)) {
      expect(() => webUiExposure(published, { ...filledIn, ...oidc, [name]: '' })).toThrow(new RegExp(name));
    }
  });

  test('mailpit runs only in the dev profile, and no app service falls back to it for mail', () => {
    expect(compose.services.mailpit!.profiles).toEqual(['dev']);
    for (const service of ['migrate', 'api', 'worker']) {
      expect(JSON.stringify(compose.services[service]!.environment)).not.toMatch(/mailpit/);
      // Unset SMTP_URL: Compose refuses to start rather than send mail nowhere.
      expect(() => serviceEnv(compose, service, { ...filledIn, SMTP_URL: '' })).toThrow(/SMTP_URL/);
    }
  });

  test.each(['migrate', 'api', 'worker'])('%s runs in production mode with its metrics token and the TEMPORAL_TLS_* settings', (service) => {
    const env = serviceEnv(compose, service, filledIn);
    expect(env.NODE_ENV).toBe('production');
    expect(env.RECOUP_METRICS_TOKEN).toBe(filledIn.RECOUP_METRICS_TOKEN);
    expect(() => serviceEnv(compose, service, { ...filledIn, RECOUP_METRICS_TOKEN: '' })).toThrow(/RECOUP_METRICS_TOKEN/);
    for (const name of ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA', 'TEMPORAL_TLS_SERVER_NAME']) expect(env[name]).toBe(filledIn[name]);
    // The certificate folder is mounted read-only where those paths point.
    expect(compose.services[service]!.volumes).toContain('./deploy/temporal-tls:/etc/recoup/temporal-tls:ro');
    const config = parseConfig(env);
    expect(config.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(config.TEMPORAL_TLS_CA).toBe('/etc/recoup/temporal-tls/ca.pem');
  });

  test('the image is built without the secrets: .env and the mTLS key folder stay out of the build context', () => {
    const ignored = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['.env', 'deploy/temporal-tls']));
    expect(ignored).not.toContain('!.env');
  });

  test("the worker's metrics port is not published", () => {
    const worker = compose.services.worker!;
    expect(worker.ports ?? []).toEqual([]);
    expect((worker.expose ?? []).map(String)).toContain('9464');
  });
});

/** A CA, a server certificate for the name `temporal`, a client certificate, and a second CA's client (openssl, as docs/operations.md says). */
function makeCertificates(dir: string): void {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=DNS:temporal\nextendedKeyUsage=serverAuth\n');
  writeFileSync(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const ca of ['ca', 'other-ca']) {
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=Recoup test ${ca}`, '-keyout', `${ca}.key`, '-out', `${ca}.pem`);
  }
  const issue = (name: string, ca: string, cn: string, ext: string) => {
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2', '-extfile', ext, '-out', `${name}.pem`);
  };
  issue('server', 'ca', 'temporal', 'server.ext');
  issue('client', 'ca', 'recoup-worker', 'client.ext');
  issue('stranger', 'other-ca', 'recoup-worker', 'client.ext');
}

/**
 * Terminates TLS on 127.0.0.1 for the real Temporal server behind it (the CLI dev server speaks
 * plain gRPC only): it demands a client certificate signed by the CA and records who connected.
 */
async function startMtlsTerminator(dir: string, upstreamPort: number) {
  const accepted: string[] = [];
  const refused: string[] = [];
  const server = tls.createServer(
    {
      key: readFileSync(path.join(dir, 'server.key')),
      cert: readFileSync(path.join(dir, 'server.pem')),
      ca: readFileSync(path.join(dir, 'ca.pem')),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    },
    (socket) => {
      accepted.push(String(socket.getPeerCertificate().subject?.CN));
      const upstream = net.connect(upstreamPort, '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      const end = () => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on('error', end);
      upstream.on('error', end);
      socket.on('close', end);
    },
  );
  server.on('tlsClientError', (err) => refused.push(err.message));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    accepted,
    refused,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('mTLS to Temporal (TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY, TEMPORAL_TLS_CA, TEMPORAL_TLS_SERVER_NAME)', () => {
  let dir: string;
  let env: TestWorkflowEnvironment;
  let terminator: Awaited<ReturnType<typeof startMtlsTerminator>>;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'recoup-mtls-'));
    makeCertificates(dir);
    env = await startDevServerEnv();
    const upstreamPort = Number(env.address.split(':').at(-1));
    terminator = await startMtlsTerminator(dir, upstreamPort);
  }, 60_000);

  afterAll(async () => {
    await terminator?.close();
    await env?.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  const settings = (overrides: Record<string, string> = {}) =>
    parseConfig({
      TEMPORAL_ADDRESS: terminator.address,
      TEMPORAL_TLS_CERT: path.join(dir, 'client.pem'),
      TEMPORAL_TLS_KEY: path.join(dir, 'client.key'),
      TEMPORAL_TLS_CA: path.join(dir, 'ca.pem'),
      // The server's certificate names `temporal` (its compose host name), not 127.0.0.1.
      TEMPORAL_TLS_SERVER_NAME: 'temporal',
      RECOUP_DATA_DIR: 'memory://',
      LOG_LEVEL: 'silent',
      ...overrides,
    });

  test("the API's client and the worker's connection present the client certificate and talk to Temporal through it", async () => {
    // As the compose file runs them: production mode (which also leaves SMS unconfigured here).
    const config = settings({ NODE_ENV: 'production' });
    const endpoint = temporalEndpointFrom(config);
    const infra = await openInfrastructure(config, silentLogger, endpoint);
    try {
      // Production without Twilio: no SMS dev outbox, SMS steps are skipped.
      expect(infra.sms.transport).toBe('not-configured');
      // A real round trip through the terminator: the namespace as the server describes it.
      const described = await infra.connection.workflowService.describeNamespace({ namespace: 'default' });
      expect(described.namespaceInfo?.name).toBe('default');
      const worker = await connectWorker(endpoint);
      await worker.close();
    } finally {
      await infra.close();
    }
    // The client and the worker each made their own connection with the certificate.
    expect(terminator.accepted.filter((cn) => cn === 'recoup-worker').length).toBeGreaterThanOrEqual(2);
  });

  test('without a client certificate, or with one from another CA, Temporal is not reached', async () => {
    const before = terminator.accepted.length;
    for (const overrides of [
      { TEMPORAL_TLS_CERT: '', TEMPORAL_TLS_KEY: '' },
      { TEMPORAL_TLS_CERT: path.join(dir, 'stranger.pem'), TEMPORAL_TLS_KEY: path.join(dir, 'stranger.key') },
    ]) {
      const endpoint = temporalEndpointFrom(settings(overrides));
      await expect(connectWorker(endpoint)).rejects.toThrow();
    }
    expect(terminator.accepted.length).toBe(before);
    expect(terminator.refused.length).toBeGreaterThanOrEqual(2);
  });

  test('a server certificate for another name is refused (TEMPORAL_TLS_SERVER_NAME is checked)', async () => {
    const endpoint = temporalEndpointFrom(settings({ TEMPORAL_TLS_SERVER_NAME: 'not-temporal' }));
    await expect(connectWorker(endpoint)).rejects.toThrow();
  });

  test('the settings map to the SDK: PEM contents read from the files; none set means plain gRPC; a missing file is named', () => {
    const tlsConfig = temporalTlsFrom(settings());
    expect(Buffer.from(tlsConfig!.clientCertPair!.crt).toString()).toBe(readFileSync(path.join(dir, 'client.pem'), 'utf8'));
    expect(Buffer.from(tlsConfig!.clientCertPair!.key).toString()).toBe(readFileSync(path.join(dir, 'client.key'), 'utf8'));
    expect(Buffer.from(tlsConfig!.serverRootCACertificate!).toString()).toBe(readFileSync(path.join(dir, 'ca.pem'), 'utf8'));
    expect(tlsConfig!.serverNameOverride).toBe('temporal');
    expect(temporalTlsFrom(parseConfig({}))).toBeUndefined();
    expect(() => temporalTlsFrom(settings({ TEMPORAL_TLS_CA: path.join(dir, 'missing.pem') }))).toThrow(/TEMPORAL_TLS_CA: cannot read .*missing\.pem \(ENOENT\)/);
    expect(() => parseConfig({ TEMPORAL_TLS_CERT: path.join(dir, 'client.pem') })).toThrow(/TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY: set both/);
  });
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { renderServerConfig, TEMPORAL_SERVER_SHARDS, TEMPORAL_SERVER_VERSION } from '../../temporal/production-server';
import { parseCompose, readComposeText, repoRoot } from '../support/compose-file';

/**
 * The production-shaped Temporal server is one shape in three places: `npm run temporal:server`
 * (what the benchmarks measure), deploy/temporal/server.yaml (its configuration) and the compose
 * file's `temporal` service (what production runs). They must not drift apart.
 */
const target = { host: '127.0.0.1', port: 5432, user: 'temporal', password: 'secret' };

test('the configuration: PostgreSQL persistence and SQL visibility, 4 history shards, every placeholder filled', () => {
  const text = renderServerConfig(target, 7233);
  expect(text).not.toMatch(/\$\{/);
  const config = parse(text) as {
    persistence: { numHistoryShards: number; defaultStore: string; visibilityStore: string; datastores: Record<string, { sql: { pluginName: string; databaseName: string; connectAddr: string } }> };
    services: Record<string, { rpc: { grpcPort: number; membershipPort: number; bindOnIP: string } }>;
  };
  expect(config.persistence.numHistoryShards).toBe(TEMPORAL_SERVER_SHARDS);
  expect(TEMPORAL_SERVER_SHARDS).toBe(4);
  const stores = config.persistence.datastores;
  expect(stores[config.persistence.defaultStore]!.sql).toMatchObject({ pluginName: 'postgres12', databaseName: 'temporal', connectAddr: '127.0.0.1:5432' });
  expect(stores[config.persistence.visibilityStore]!.sql).toMatchObject({ pluginName: 'postgres12', databaseName: 'temporal_visibility' });
  // Four services, no two on one port, all on the address asked for.
  const ports = Object.values(config.services).flatMap((s) => [s.rpc.grpcPort, s.rpc.membershipPort]);
  expect(new Set(ports).size).toBe(8);
  expect(config.services.frontend!.rpc.grpcPort).toBe(7233);
  expect(Object.values(config.services).map((s) => s.rpc.bindOnIP)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.1']);
});

test('the compose file runs the version and shape that was measured', () => {
  const compose = parseCompose(readComposeText('docker-compose.yml'));
  const temporal = compose.services.temporal! as { build: { dockerfile: string; args: Record<string, string> }; environment: Record<string, string | number>; image: string };
  expect(temporal.build.dockerfile).toBe('deploy/temporal/Dockerfile');
  expect(temporal.build.args.TEMPORAL_SERVER_VERSION).toBe(TEMPORAL_SERVER_VERSION);
  expect(temporal.image).toBe(`recoup-temporal:${TEMPORAL_SERVER_VERSION.slice(1)}`);
  const dockerfile = readFileSync(path.join(repoRoot, 'deploy', 'temporal', 'Dockerfile'), 'utf8');
  expect(dockerfile).toContain(`ARG TEMPORAL_SERVER_VERSION=${TEMPORAL_SERVER_VERSION}`);
  expect(dockerfile).toContain('COPY deploy/temporal/server.yaml');
  // Every placeholder of server.yaml is set by the entrypoint from the service's environment.
  const template = readFileSync(path.join(repoRoot, 'deploy', 'temporal', 'server.yaml'), 'utf8');
  const entrypoint = readFileSync(path.join(repoRoot, 'deploy', 'temporal', 'entrypoint.sh'), 'utf8');
  const placeholders = [...new Set([...template.matchAll(/\$\{([A-Z_]+)\}/g)].map((m) => m[1]!))];
  expect(placeholders.length).toBeGreaterThan(10);
  for (const name of placeholders) expect(entrypoint).toMatch(new RegExp(`(export|:) .*\\b${name}\\b`));
  for (const name of ['PG_HOST', 'PG_USER', 'PG_PASSWORD']) expect(temporal.environment).toHaveProperty(name);
  // The same config, rendered for the container, binds every service for the compose network.
  expect(renderServerConfig({ host: 'postgres', port: 5432, user: 'temporal', password: 'temporal' }, 7233, undefined, '0.0.0.0')).toContain('bindOnIP: "0.0.0.0"');
});

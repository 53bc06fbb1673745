import { readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { Config } from '../config/config';
import { clientInterceptors } from '../observability/temporal-interceptors';

/** Where a process reaches Temporal: the frontend's gRPC address, and mTLS when configured. */
export interface TemporalEndpoint {
  address: string;
  /** From `temporalTlsFrom(config)`; undefined: plain gRPC (a dev server, a private network). */
  tls?: TLSConfig;
}

export interface TemporalSettings extends TemporalEndpoint {
  namespace: string;
  /** From `dataConverterFor(config)`: the payload codec shared with the worker (undefined: payloads in clear). */
  dataConverter?: DataConverter;
}

export type TemporalTlsConfig = Pick<Config, 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY' | 'TEMPORAL_TLS_CA' | 'TEMPORAL_TLS_SERVER_NAME'>;

/**
 * The TLS options of the client's and the worker's connections, read from the PEM files the
 * settings name: the client certificate and key (mTLS), the CA that signed the server's
 * certificate (unset: the system's CAs) and the name to check it against. None set: undefined.
 */
export function temporalTlsFrom(config: Partial<TemporalTlsConfig>): TLSConfig | undefined {
  const { TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_CA: ca, TEMPORAL_TLS_SERVER_NAME: serverName } = config;
  if (!cert && !key && !ca && !serverName) return undefined;
  if (Boolean(cert) !== Boolean(key)) throw new Error('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY: set both (the client certificate and its key) or neither');
  return {
    ...(cert && key ? { clientCertPair: { crt: readPem('TEMPORAL_TLS_CERT', cert), key: readPem('TEMPORAL_TLS_KEY', key) } } : {}),
    ...(ca ? { serverRootCACertificate: readPem('TEMPORAL_TLS_CA', ca) } : {}),
    ...(serverName ? { serverNameOverride: serverName } : {}),
  };
}

/** The endpoint TEMPORAL_ADDRESS and the TEMPORAL_TLS_* settings name (`npm run api`, `worker`, `sftp`). */
export function temporalEndpointFrom(config: Pick<Config, 'TEMPORAL_ADDRESS'> & Partial<TemporalTlsConfig>): TemporalEndpoint {
  return { address: config.TEMPORAL_ADDRESS ?? '127.0.0.1:7233', tls: temporalTlsFrom(config) };
}

function readPem(variable: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`${variable}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
}

/** A client for the API and for activities that start workflows. */
export async function createTemporalClient(settings: TemporalSettings): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address: settings.address, ...(settings.tls ? { tls: settings.tls } : {}) });
  return { client: new Client({ connection, namespace: settings.namespace, dataConverter: settings.dataConverter, interceptors: clientInterceptors }), connection };
}

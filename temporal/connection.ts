import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { clientInterceptors } from '../observability/temporal-interceptors';

export interface TemporalSettings {
  address: string;
  namespace: string;
  /** From `dataConverterFor(config)`: the payload codec shared with the worker (undefined: payloads in clear). */
  dataConverter?: DataConverter;
}

/** A client for the API and for activities that start workflows. */
export async function createTemporalClient(settings: TemporalSettings): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address: settings.address });
  return { client: new Client({ connection, namespace: settings.namespace, dataConverter: settings.dataConverter, interceptors: clientInterceptors }), connection };
}

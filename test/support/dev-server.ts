import type { DataConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { searchAttributeDefinitions } from '../../temporal/search-attributes';

/**
 * The real Temporal dev server (`temporal server start-dev`, the project's CLI) on loopback, with
 * the service's search attributes; `dataConverter` for the environment's client.
 */
export function startDevServerEnv(options: { dataConverter?: DataConverter } = {}): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    ...(options.dataConverter ? { client: { dataConverter: options.dataConverter } } : {}),
    server: {
      executable: { type: 'existing-path', path: process.env.TEMPORAL_CLI_PATH! },
      searchAttributes: Object.entries(searchAttributeDefinitions).map(([name, type]) => ({ name, type: type.toUpperCase() as never })),
    },
  });
}

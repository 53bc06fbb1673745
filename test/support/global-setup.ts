import { ensureTemporalCli, ensureTestServer } from '../../temporal/binaries';

/** Provisions the Temporal binaries once and hands their paths to every test file. */
export default function globalSetup(): void {
  process.env.TEMPORAL_CLI_PATH = ensureTemporalCli(process.env.TEMPORAL_CLI || undefined);
  process.env.TEMPORAL_TEST_SERVER_PATH = ensureTestServer(process.env.TEMPORAL_TEST_SERVER || undefined);
}

import { installRuntime } from '/work/main/observability/runtime';
import { createLogger } from '/work/main/bootstrap/logger';
import { Runtime } from '@temporalio/worker';
const logger = createLogger('info', 'x');
installRuntime(logger, { sdkMetricsPort: 0 });
Runtime.instance().logger.info('hello from sdk', { a: 1 });
setTimeout(() => { console.log('done'); }, 1000);

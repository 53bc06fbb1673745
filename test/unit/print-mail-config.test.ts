import { parseConfig } from '../../config/config';
import { printMailOf } from '../../activities/deps';

/** Which print-and-mail adapter letters go to, from the configuration alone. */
const base = { publicBaseUrl: 'http://portal.test', portalSecret: 'test-portal-secret-123456', TEMPORAL_TASK_QUEUE: 'q' };

test.each([
  ['nothing set: daily print batches', {}, 'print-batch'],
  ['an API URL and key: the print-and-mail API', { PRINT_MAIL_API_URL: 'https://print.example/v1/letters', PRINT_MAIL_API_KEY: 'k' }, 'print-mail-api'],
])('%s', (_label, env, transport) => {
  const config = parseConfig(env);
  expect(printMailOf({ config: { ...base, PRINT_MAIL_API_URL: config.PRINT_MAIL_API_URL, PRINT_MAIL_API_KEY: config.PRINT_MAIL_API_KEY } }).transport).toBe(transport);
});

test('an API URL without its key stops the process, naming the missing variable', () => {
  expect(() => parseConfig({ PRINT_MAIL_API_URL: 'https://print.example/v1/letters' })).toThrow(/PRINT_MAIL_API_KEY: required when PRINT_MAIL_API_URL is set/);
});

test('an API URL that is not a URL is refused by name', () => {
  expect(() => parseConfig({ PRINT_MAIL_API_URL: 'print.example', PRINT_MAIL_API_KEY: 'k' })).toThrow(/PRINT_MAIL_API_URL/);
});

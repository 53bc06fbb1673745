import { ipAllowed } from '../../api/auth';
import { partnerCreateSchema } from '../../domain/schemas';

describe('a partner IP allow-list', () => {
  test.each<[string, string[], boolean]>([
    ['127.0.0.1', ['127.0.0.1/32'], true],
    ['127.0.0.1', ['127.0.0.1'], true],
    ['::ffff:127.0.0.1', ['127.0.0.0/8'], true],
    ['10.1.2.3', ['192.168.0.0/16', '10.0.0.0/8'], true],
    ['127.0.0.1', ['10.0.0.0/8'], false],
    ['::1', ['::1/128'], true],
    ['2001:db8::5', ['2001:db8::/32'], true],
    ['2001:db9::5', ['2001:db8::/32'], false],
    // Entries that are no address allow nothing instead of failing every request with a 500.
    ['127.0.0.1', ['not-an-ip'], false],
    ['127.0.0.1', ['127.0.0.0/40'], false],
    ['127.0.0.1', ['garbage', '127.0.0.1'], true],
    ['', ['127.0.0.1'], false],
  ])('%s against %j → %s', (ip, list, allowed) => {
    expect(ipAllowed(ip, list)).toBe(allowed);
  });

  test.each([['not-an-ip'], ['10.0.0.0/40'], ['300.1.1.1']])('the ops API refuses the entry %s, naming it', (entry) => {
    const result = partnerCreateSchema.safeParse({ name: 'x', ip_allow_list: ['10.0.0.0/8', entry] });
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['ip_allow_list.1']);
  });

  test.each([['10.0.0.0/8'], ['127.0.0.1'], ['::1'], ['2001:db8::/32']])('the ops API accepts %s', (entry) => {
    expect(partnerCreateSchema.safeParse({ name: 'x', ip_allow_list: [entry] }).success).toBe(true);
  });
});

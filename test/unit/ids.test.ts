import { newId } from '../../services/ids';

describe('ids', () => {
  test('are unique across many refills of the random pool, and keep their shape', () => {
    // 20,000 ids draw 200,000 random bytes: the 4 KB pool is refilled about fifty times.
    const ids = Array.from({ length: 20_000 }, () => newId('inv'));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^inv_[0-9a-z]{9}[A-Za-z0-9x]{12}$/);
    // Their random parts differ, not only their times: no two share the part after the time.
    expect(new Set(ids.map((id) => id.slice(-12))).size).toBe(ids.length);
  });

  test('sort by the time they were made', async () => {
    const first = newId('evt');
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = newId('evt');
    expect([second, first].sort()).toEqual([first, second]);
  });
});

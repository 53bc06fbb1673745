import { addDays, localDateTime, localTimeToUtc, timezoneOffsetMinutes } from '../../domain/local-time';

describe('local time in the debtor’s timezone', () => {
  test.each([
    ['Amsterdam in winter is UTC+1', '2026-01-15', 'Europe/Amsterdam', '2026-01-15T09:00:00.000Z'],
    ['Amsterdam in summer is UTC+2', '2026-07-15', 'Europe/Amsterdam', '2026-07-15T08:00:00.000Z'],
    ['New York in winter is UTC-5', '2026-01-15', 'America/New_York', '2026-01-15T15:00:00.000Z'],
    ['the day DST starts in Europe', '2026-03-29', 'Europe/Amsterdam', '2026-03-29T08:00:00.000Z'],
    ['the day DST ends in Europe', '2026-10-25', 'Europe/Amsterdam', '2026-10-25T09:00:00.000Z'],
    ['UTC', '2026-05-01', 'UTC', '2026-05-01T10:00:00.000Z'],
  ])('%s: 10:00 local', (_label, date, tz, iso) => {
    expect(new Date(localTimeToUtc(date, 10, 0, tz)).toISOString()).toBe(iso);
  });

  test('round trip: the local clock at the computed instant reads what was asked', () => {
    for (const tz of ['Europe/Amsterdam', 'Asia/Kolkata', 'America/Los_Angeles', 'Australia/Sydney']) {
      const utc = localTimeToUtc('2026-11-23', 8, 30, tz);
      expect(localDateTime(utc, tz)).toEqual({ date: '2026-11-23', hour: 8, minute: 30 });
    }
  });

  test('timezones asked in turn each keep their own offset (one formatter per timezone); an unknown one is refused every time', () => {
    const at = Date.UTC(2026, 0, 15, 12);
    for (let round = 0; round < 2; round++) {
      expect(timezoneOffsetMinutes(at, 'Asia/Kolkata')).toBe(330);
      expect(timezoneOffsetMinutes(at, 'America/New_York')).toBe(-300);
      expect(timezoneOffsetMinutes(at, 'Europe/Amsterdam')).toBe(60);
      expect(() => timezoneOffsetMinutes(at, 'Mars/Olympus_Mons')).toThrow(RangeError);
    }
  });

  test('offsets and date arithmetic', () => {
    expect(timezoneOffsetMinutes(Date.UTC(2026, 0, 1), 'Asia/Kolkata')).toBe(330);
    expect(addDays('2026-12-30', 3)).toBe('2027-01-02');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });
});

import { afterDebtorContact, batchGuardrails, nextDebtorContactAt, rememberContactsUntil, type ContactGuardrails } from '../../domain/debtor-contact';
import { localDateTime, localTimeToUtc } from '../../domain/local-time';

const DAY = 86_400_000;
const g: ContactGuardrails = { maxContactsPer7Days: 2, minDaysBetweenContacts: 3, quietStart: '21:00', quietEnd: '08:00', sendHour: 10 };
const at = (date: string, hour: number, tz = 'Europe/Amsterdam') => localTimeToUtc(date, hour, 0, tz);
const none = { recent: [], lastContactAt: null };

describe('when a debtor may be contacted next, over all of the debtor’s invoices', () => {
  test.each([
    ['daytime, nobody contacted yet: at once', at('2027-03-10', 11), none, 1, 'Europe/Amsterdam', at('2027-03-10', 11)],
    ['23:00 in Amsterdam: the next 08:00 there', at('2027-03-10', 23), none, 1, 'Europe/Amsterdam', at('2027-03-11', 8)],
    // 11:00 in Amsterdam is 05:00 in New York: quiet hours are read in the debtor’s current zone.
    ['11:00 Amsterdam for a debtor now in New York: 08:00 New York', at('2027-03-10', 11), none, 1, 'America/New_York', at('2027-03-10', 8, 'America/New_York')],
    ['a contact yesterday: three days after it, at the send hour', at('2027-03-10', 11), { recent: [at('2027-03-09', 10)], lastContactAt: at('2027-03-09', 10) }, 1, 'Europe/Amsterdam', at('2027-03-12', 10)],
  ])('%s', (_label, now, contacts, count, tz, expected) => {
    expect(nextDebtorContactAt(now, contacts, count, tz, g).at).toBe(expected);
  });

  test('two contacts in the last 7 days with a limit of 2: after the older one leaves the window, and the checks say the debtor waited', () => {
    const first = at('2027-03-01', 10);
    const second = at('2027-03-05', 10);
    const r = nextDebtorContactAt(at('2027-03-07', 11), { recent: [first, second], lastContactAt: second }, 1, 'Europe/Amsterdam', { ...g, minDaysBetweenContacts: 0 });
    expect(r.at).toBe(first + 7 * DAY + 1);
    expect(r.guardrails).toEqual(
      expect.arrayContaining([expect.objectContaining({ check: 'contact_limit', result: 'waited', until: new Date(first + 7 * DAY + 1).toISOString() })]),
    );
  });

  test('a digest on two channels counts as two contacts against the limit', () => {
    const r = nextDebtorContactAt(at('2027-03-10', 11), { recent: [at('2027-03-04', 10)], lastContactAt: at('2027-03-04', 10) }, 2, 'Europe/Amsterdam', g);
    expect(r.at).toBeGreaterThan(at('2027-03-11', 10));
  });

  test('a batch follows the strictest policy among its invoices, the newest quiet hours', () => {
    const b = batchGuardrails([g, { ...g, maxContactsPer7Days: 5, minDaysBetweenContacts: 5, quietStart: '20:00' }]);
    expect(b).toEqual({ maxContactsPer7Days: 2, minDaysBetweenContacts: 5, quietStart: '20:00', quietEnd: '08:00', sendHour: 10 });
  });

  test('contacts leave the rolling window, and the debtor is remembered while a contact or the gap after the last one lasts', () => {
    const sent = at('2027-03-10', 10);
    const after = afterDebtorContact({ recent: [sent - 8 * DAY], lastContactAt: sent - 8 * DAY }, sent, 2);
    expect(after).toEqual({ recent: [sent, sent], lastContactAt: sent });
    expect(afterDebtorContact(after, sent + DAY, 0)).toEqual(after);
    expect(rememberContactsUntil(after, 'Europe/Amsterdam', g)).toBe(sent + 7 * DAY);
    const longGap = rememberContactsUntil(after, 'Europe/Amsterdam', { ...g, minDaysBetweenContacts: 10 });
    expect(localDateTime(longGap, 'Europe/Amsterdam')).toEqual({ date: '2027-03-20', hour: 10, minute: 0 });
    expect(rememberContactsUntil(none, null, null)).toBe(0);
  });
});

import type { TestWorkflowEnvironment } from '@temporalio/testing';

/**
 * Messages wait out the debtor's quiet hours (21:00–08:00 local by default), so a test that
 * expects an email soon after a transmission must run in the debtor's daytime, whatever the hour
 * the suite runs at.
 */

/**
 * On the time-skipping server: moves the server's clock on to 09:00 UTC (10:00 or 11:00 in
 * Amsterdam, the fixtures' timezone) unless it is already 08:00–16:59 UTC. The API and the
 * database keep the real clock, which is then up to a day behind the workflows'.
 */
export async function skipToDaytime(env: TestWorkflowEnvironment): Promise<void> {
  const now = await env.currentTimeMs();
  const hour = new Date(now).getUTCHours();
  if (hour >= 8 && hour <= 16) return;
  const next = new Date(now);
  next.setUTCHours(9, 0, 0, 0);
  if (next.getTime() <= now) next.setUTCDate(next.getUTCDate() + 1);
  await env.sleep(next.getTime() - now);
}

/**
 * For the real-time dev server, whose clock cannot be moved: a fixed-offset debtor timezone
 * (`Etc/GMT±n`) where it is early afternoon now, so quiet hours never hold a message back.
 */
export function daytimeTimezone(now = Date.now()): string {
  return timezoneAtLocalHour(13, now);
}

/** A fixed-offset timezone (`Etc/GMT±n`) where it is `hour` o'clock (give or take the minutes) now. */
export function timezoneAtLocalHour(hour: number, now = Date.now()): string {
  const offset = ((hour - new Date(now).getUTCHours() + 36) % 24) - 12;
  // POSIX sign: Etc/GMT-2 is two hours ahead of UTC.
  return offset === 0 ? 'Etc/GMT' : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}

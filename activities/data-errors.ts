import { ApplicationFailure } from '@temporalio/common';

/**
 * SQLSTATEs that say the data is wrong, not the moment: class 22 (data exception: a number out of
 * range 22003, invalid text for a type 22P02, a value too long 22001, …) and the integrity
 * violations no retry can cure (23502 not null, 23514 check). A unique violation (23505) and
 * foreign keys (23503) stay retryable: another writer or a retry with new values can resolve them.
 */
const dataErrorStates = /^(22[0-9A-Z]{3}|23502|23514)$/;

/** The database's code and sentence when the error (or one it wraps: Drizzle wraps the driver's) is a data error. */
export function databaseDataError(err: unknown): { code: string; message: string } | null {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && dataErrorStates.test(code)) return { code, message: typeof message === 'string' ? message : code };
  }
  return null;
}

/** The failure type of an activity refused by the database for its data. */
export const INVALID_DATA = 'invalid_data';

type ActivityFunction = (...args: never[]) => Promise<unknown>;

/**
 * The same activities, except that a data error from the database becomes a non-retryable
 * ApplicationFailure (type `invalid_data`): retrying the same arguments would fail the same way
 * forever, so the calling workflow gets the failure at once and fails or records it visibly. The
 * failure carries the database's sentence and code, never the query's parameters.
 */
export function failingFastOnDataErrors<A extends Record<string, ActivityFunction>>(activities: A): A {
  const wrapped: Record<string, ActivityFunction> = {};
  for (const [name, activity] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await activity(...args);
      } catch (err) {
        const dataError = databaseDataError(err);
        if (!dataError) throw err;
        throw ApplicationFailure.create({ type: INVALID_DATA, message: `${name}: the database refused the data (${dataError.code}: ${dataError.message})`, nonRetryable: true, details: [{ sqlstate: dataError.code }] });
      }
    };
  }
  return wrapped as A;
}

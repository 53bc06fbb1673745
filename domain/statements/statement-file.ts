import { DomainError } from '../errors';
import { decodeStatementFile, detectFormat, StatementParseError, type ParsedBankStatement } from './bank-statement';
import { parseCamt053 } from './camt053-parser';
import { parseMt940 } from './mt940-parser';

/** Reading an uploaded bank statement file: its text, its format, its statements; refusals name the line or element. */

/** A statement file that is not MT940 or camt.053, or cannot be read: invalid, naming where. */
function unreadable(message: string, path: string): DomainError {
  return new DomainError('invalid', 'statement_unreadable', `The bank statement cannot be read: ${message}`, [{ path, message }]);
}

/** The uploaded file's text (see decodeStatementFile), or a refusal naming the line when it is binary. */
export function statementText(bytes: Uint8Array, declaredCharset?: string): string {
  try {
    return decodeStatementFile(bytes, declaredCharset);
  } catch (err) {
    if (err instanceof StatementParseError) throw unreadable(err.message, err.path);
    throw err;
  }
}

/** The statements of an MT940/MT942 or camt.053 file, whichever it is. */
export function parseStatementFile(content: string): ParsedBankStatement[] {
  const format = detectFormat(content);
  if (!format) throw unreadable('it is neither MT940/MT942 (no line starts with a field such as :20:, :25: or :61:) nor camt.053 XML', 'line 1');
  try {
    return format === 'mt940' ? parseMt940(content) : parseCamt053(content);
  } catch (err) {
    if (err instanceof StatementParseError) throw unreadable(err.message, err.path);
    throw err;
  }
}

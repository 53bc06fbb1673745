import { DomainError } from '../../domain/errors';

export type SpreadsheetRefusalCode =
  | 'spreadsheet_too_large'
  | 'spreadsheet_unknown_format'
  | 'spreadsheet_not_utf8'
  | 'spreadsheet_zip_bomb'
  | 'spreadsheet_malformed'
  | 'spreadsheet_too_many_rows'
  | 'spreadsheet_columns'
  | 'spreadsheet_empty';

/** A spreadsheet refused as a whole (format, encoding, size, headers): nothing of it is used. */
export class SpreadsheetRefused extends DomainError {
  constructor(
    override readonly code: SpreadsheetRefusalCode,
    message: string,
  ) {
    super('invalid', code, message, [{ path: 'file', message }]);
    this.name = 'SpreadsheetRefused';
  }
}

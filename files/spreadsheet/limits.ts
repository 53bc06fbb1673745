/**
 * What an uploaded spreadsheet may cost. The file size is checked before a byte is parsed, the
 * zip sizes of an XLSX before anything is inflated; rows and cells bound the parsed part.
 */
export interface SpreadsheetLimits {
  maxFileBytes: number;
  maxRows: number;
  maxCellsPerRow: number;
  /** Characters of one CSV record (quoted line breaks included): one endless line is refused, not held. */
  maxRecordChars: number;
  /** Uncompressed bytes of one zip entry of an XLSX, as its central directory states them. */
  maxEntryBytes: number;
  /** Uncompressed bytes of all entries together. */
  maxTotalBytes: number;
  /** Uncompressed ÷ compressed of an entry larger than 1 MB: real sheets stay far below it, bombs far above. */
  maxCompressionRatio: number;
}

export const spreadsheetLimits: SpreadsheetLimits = {
  maxFileBytes: 20 * 1024 * 1024,
  maxRows: 50_000,
  maxCellsPerRow: 100,
  maxRecordChars: 100_000,
  maxEntryBytes: 200 * 1024 * 1024,
  maxTotalBytes: 300 * 1024 * 1024,
  maxCompressionRatio: 200,
};

/** One row of a spreadsheet as written: its number in the file (the header is row 1) and its cells as text. */
export interface SheetRow {
  number: number;
  cells: string[];
  /** Columns (0-based) whose cell is a formula: never evaluated, and its cached result never taken. */
  formulas?: number[];
}

/**
 * The SWIFT "x" character set of MT messages: letters, digits, space and / - ? : ( ) . , ' +.
 * Names and references are transliterated into it (é → e, ß → ss) and anything else is dropped,
 * so a bank or accounting package never rejects the file for a debtor called "Zoë & Søren".
 */

const special: Record<string, string> = {
  ß: 'ss', ẞ: 'SS', æ: 'ae', Æ: 'AE', ø: 'o', Ø: 'O', œ: 'oe', Œ: 'OE', ł: 'l', Ł: 'L', đ: 'd', Đ: 'D', þ: 'th', Þ: 'TH',
  ı: 'i', '&': '+', _: '-', '@': '(at)', '"': "'", '‘': "'", '’': "'", '“': "'", '”': "'", '–': '-', '—': '-', ';': ',', '!': '.', '#': '', '*': '', '=': '-',
};

export function toSwiftText(input: string): string {
  const mapped = [...input.normalize('NFKD')]
    .map((ch) => special[ch] ?? ch)
    .join('')
    .replace(/[\u0300-\u036f]/g, '');
  return mapped
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[^A-Za-z0-9/\-?:().,'+ ]/g, '')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/**
 * Wraps text into lines of at most `width` characters (`firstWidth` for the one after the tag), at most `maxLines` lines, breaking between
 * words where it can (parsers join continuation lines, some without a space). No line starts with
 * ':' or '-', which would read as a new tag or the end of the message.
 */
export function wrapSwiftLines(text: string, width: number, maxLines: number, firstWidth = width): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest.length && lines.length < maxLines) {
    const w = lines.length ? width : firstWidth;
    let cut = rest.length <= w ? rest.length : rest.lastIndexOf(' ', w);
    if (cut <= 0) cut = Math.min(w, rest.length);
    let line = rest.slice(0, cut).trimEnd();
    rest = rest.slice(cut).trimStart();
    if (/^[:-]/.test(line)) line = `.${line.slice(1)}`;
    lines.push(line);
  }
  return lines;
}

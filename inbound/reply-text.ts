/**
 * What the debtor wrote, without the message they answer: quoted lines (`>`) go, and everything
 * from the line where a mail client introduces the quote: "On … wrote:" (and its Dutch, German
 * and French forms, the languages Recoup writes in), or an Outlook "-----Original Message-----"
 * block. A client that wraps the introduction over two lines ("On Mon, 1 Dec 2026, Recoup" /
 * "<…> wrote:") is cut at its first line.
 */
export function replyTextOf(text: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const next = (lines[i + 1] ?? '').trim();
    if (/^-{2,}\s*(original message|oorspronkelijk bericht|ursprüngliche nachricht|message d'origine)\s*-{2,}$/i.test(line)) break;
    if (quoteIntroduction(line) || (/^(on|op|am|le)\s/i.test(line) && !line.endsWith(':') && quoteIntroduction(`${line} ${next}`))) break;
    if (line.startsWith('>')) continue;
    kept.push(lines[i]!);
  }
  return kept.join('\n').trim();
}

function quoteIntroduction(line: string): boolean {
  return /^on\s.+\swrote:$/i.test(line) || /^op\s.+\sschreef\s?.*:$/i.test(line) || /^am\s.+\sschrieb\s?.*:$/i.test(line) || /^le\s.+\sa\s+écrit\s*:$/i.test(line);
}

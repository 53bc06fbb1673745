import path from 'node:path';

/** One page of a PDF as a reader sees it: its size, its text runs (top-left origin, points) and whether it paints an image. */
export interface PdfPage {
  width: number;
  height: number;
  /** Text runs; `y` is the baseline measured from the top of the page. */
  items: Array<{ str: string; x: number; y: number }>;
  /** The page's text, runs joined by spaces, no-break spaces made plain. */
  text: string;
  hasImage: boolean;
}

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');

// pdfjs-dist is ESM only, and the test transform turns `import()` into `require`: load it as Node would.
const importEsm = new Function('s', 'return import(s)') as (specifier: string) => Promise<PdfJs>;

/** Reads a PDF back with pdfjs-dist (Mozilla's PDF reader), page by page. */
export async function readPdf(bytes: Uint8Array): Promise<PdfPage[]> {
  const pdfjs = await importEsm('pdfjs-dist/legacy/build/pdf.mjs');
  const standardFontDataUrl = `${path.join(path.dirname(require.resolve('pdfjs-dist/package.json')), 'standard_fonts')}/`;
  const doc = await pdfjs.getDocument({ data: new Uint8Array(bytes), standardFontDataUrl, verbosity: 0 }).promise;
  const pages: PdfPage[] = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const page = await doc.getPage(n);
    const [, , width, height] = page.view as [number, number, number, number];
    const content = await page.getTextContent();
    const items = content.items
      .filter((i): i is Extract<(typeof content.items)[number], { str: string }> => 'str' in i && i.str.trim() !== '')
      .map((i) => ({ str: i.str.replace(/\u00a0/g, ' '), x: i.transform[4] as number, y: height - (i.transform[5] as number) }));
    const ops = await page.getOperatorList();
    const hasImage = ops.fnArray.some((fn) => fn === pdfjs.OPS.paintImageXObject || fn === pdfjs.OPS.paintInlineImageXObject);
    pages.push({ width, height, items, text: items.map((i) => i.str).join(' '), hasImage });
  }
  await doc.destroy();
  return pages;
}

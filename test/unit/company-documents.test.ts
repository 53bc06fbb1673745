import { cleanFilename, declaredTypeAgrees, detectDocumentContentType } from '../../domain/company-documents';

describe('a document is recognised by its first bytes, not by what the client declares', () => {
  const scenarios: Array<[string, number[] | string, string | null]> = [
    ['a PDF', '%PDF-1.7\n', 'application/pdf'],
    ['a PNG', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0], 'image/png'],
    ['a JPEG', [0xff, 0xd8, 0xff, 0xe0, 0, 0x10], 'image/jpeg'],
    ['a PNG header cut short', [0x89, 0x50, 0x4e, 0x47], null],
    ['an HTML page', '<!doctype html>', null],
    ['a ZIP (docx)', [0x50, 0x4b, 0x03, 0x04], null],
    ['text that mentions PDF later', 'hello %PDF-', null],
    ['nothing', [], null],
  ];
  test.each(scenarios)('%s', (_name, bytes, expected) => {
    const head = typeof bytes === 'string' ? Buffer.from(bytes) : Uint8Array.from(bytes);
    expect(detectDocumentContentType(head)).toBe(expected);
  });
});

describe('the declared part type must agree with the content', () => {
  const scenarios: Array<[string | undefined, string, boolean]> = [
    ['application/pdf', 'application/pdf', true],
    ['image/jpg', 'image/jpeg', true],
    ['IMAGE/PNG; charset=binary', 'image/png', true],
    ['application/octet-stream', 'image/png', true],
    [undefined, 'application/pdf', true],
    ['image/png', 'application/pdf', false],
    ['text/html', 'application/pdf', false],
  ];
  test.each(scenarios)('declared %s, content %s → %s', (declared, detected, agrees) => {
    expect(declaredTypeAgrees(declared, detected as 'application/pdf')).toBe(agrees);
  });
});

describe('filenames are stored without paths or control characters', () => {
  test.each([
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\anna\\kvk.pdf', 'kvk.pdf'],
    ['a\u0000b\r\n"c".pdf', 'abc.pdf'],
    ['', 'document.pdf'],
    [undefined, 'document.pdf'],
    ['..', 'document.pdf'],
  ])('%j → %s', (raw, expected) => {
    expect(cleanFilename(raw, 'application/pdf')).toBe(expected);
  });
});

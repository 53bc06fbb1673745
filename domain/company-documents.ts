/** Verification documents a company hands in, and the file kinds accepted for them. */
export const companyDocumentTypes = ['id_document', 'bank_statement', 'sepa_mandate', 'chamber_of_commerce'] as const;
export type CompanyDocumentType = (typeof companyDocumentTypes)[number];

export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;

export const documentContentTypes = ['application/pdf', 'image/png', 'image/jpeg'] as const;
export type DocumentContentType = (typeof documentContentTypes)[number];

const signatures: ReadonlyArray<{ type: DocumentContentType; magic: readonly number[] }> = [
  { type: 'application/pdf', magic: [0x25, 0x50, 0x44, 0x46, 0x2d] }, // %PDF-
  { type: 'image/png', magic: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: 'image/jpeg', magic: [0xff, 0xd8, 0xff] },
];

/** The number of leading bytes `detectDocumentContentType` needs. */
export const SIGNATURE_BYTES = 8;

/** The content type the file's first bytes prove, or null: what a client declares is not trusted. */
export function detectDocumentContentType(head: Uint8Array): DocumentContentType | null {
  for (const { type, magic } of signatures) {
    if (head.length >= magic.length && magic.every((byte, i) => head[i] === byte)) return type;
  }
  return null;
}

const aliases: Record<string, DocumentContentType> = { 'image/jpg': 'image/jpeg', 'image/pjpeg': 'image/jpeg' };
/** Declared types that say nothing about the content (curl and browsers send them for unknown files). */
const unspecific = new Set(['', 'application/octet-stream', 'binary/octet-stream']);

/** Whether the declared part type is compatible with what the bytes are. */
export function declaredTypeAgrees(declared: string | undefined, detected: DocumentContentType): boolean {
  const d = (declared ?? '').split(';')[0]!.trim().toLowerCase();
  return unspecific.has(d) || (aliases[d] ?? d) === detected;
}

/** A filename safe to store and to echo in headers: no path, no control characters. */
export function cleanFilename(raw: string | undefined, contentType: DocumentContentType): string {
  const base = (raw ?? '').split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f"]/g, '').trim().slice(0, 255);
  if (cleaned && cleaned !== '.' && cleaned !== '..') return cleaned;
  return `document.${contentType === 'application/pdf' ? 'pdf' : contentType === 'image/png' ? 'png' : 'jpg'}`;
}

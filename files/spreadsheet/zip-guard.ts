import { once } from 'node:events';
import { open, type FileHandle } from 'node:fs/promises';
import { createInflateRaw } from 'node:zlib';
import type { SpreadsheetLimits } from './limits';
import { SpreadsheetRefused } from './refusal';

/** One entry of a zip's central directory. */
export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const DESCRIPTOR_SIGNATURE = 0x08074b50;
const ZIP64_MARK = 0xffffffff;
const MAX_ENTRIES = 10_000;
const RATIO_FROM_BYTES = 1024 * 1024;

const malformed = (why: string) => new SpreadsheetRefused('spreadsheet_malformed', `The XLSX file is damaged (${why}): open it in your spreadsheet program, save it again and upload it again`);
const bomb = (why: string) => new SpreadsheetRefused('spreadsheet_zip_bomb', `The XLSX file is refused: ${why}. A real spreadsheet of invoices is far smaller; save it again or split it`);

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/** The central directory, found from the end-of-central-directory record at the file's end. */
async function centralDirectory(fh: FileHandle, fileSize: number): Promise<{ entries: ZipEntry[]; offset: number }> {
  const tailLength = Math.min(fileSize, 22 + 0xffff);
  const tail = await readAt(fh, fileSize - tailLength, tailLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw malformed('no zip directory');
  const count = tail.readUInt16LE(eocd + 10);
  const size = tail.readUInt32LE(eocd + 12);
  const offset = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || size === ZIP64_MARK || offset === ZIP64_MARK) throw bomb('it uses zip64, which only files of gigabytes need');
  if (count > MAX_ENTRIES) throw bomb(`it has more than ${MAX_ENTRIES} parts`);
  if (offset + size > fileSize) throw malformed('the zip directory lies outside the file');
  const dir = await readAt(fh, offset, size);
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > dir.length || dir.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw malformed('a broken zip directory entry');
    const nameLength = dir.readUInt16LE(at + 28);
    const entry: ZipEntry = {
      flags: dir.readUInt16LE(at + 8),
      method: dir.readUInt16LE(at + 10),
      compressedSize: dir.readUInt32LE(at + 20),
      uncompressedSize: dir.readUInt32LE(at + 24),
      localHeaderOffset: dir.readUInt32LE(at + 42),
      name: dir.toString('utf8', at + 46, at + 46 + nameLength),
    };
    entries.push(entry);
    at += 46 + nameLength + dir.readUInt16LE(at + 30) + dir.readUInt16LE(at + 32);
  }
  return { entries, offset };
}

/** Refuses sizes that only a zip bomb has, from what the directory states: nothing inflated yet. */
function checkStatedSizes(entries: ZipEntry[], limits: SpreadsheetLimits): void {
  let total = 0;
  for (const e of entries) {
    if (e.compressedSize === ZIP64_MARK || e.uncompressedSize === ZIP64_MARK || e.localHeaderOffset === ZIP64_MARK) throw bomb('it uses zip64, which only files of gigabytes need');
    if (e.method !== 0 && e.method !== 8) throw malformed(`an unknown compression method ${e.method}`);
    if (e.flags & 1) throw malformed('it is encrypted');
    if (e.uncompressedSize > limits.maxEntryBytes) throw bomb(`one of its parts unpacks to ${Math.round(e.uncompressedSize / 1024 / 1024)} MB`);
    if (e.uncompressedSize > RATIO_FROM_BYTES && e.uncompressedSize > e.compressedSize * limits.maxCompressionRatio) {
      throw bomb(`one of its parts unpacks to more than ${limits.maxCompressionRatio} times its packed size`);
    }
    total += e.uncompressedSize;
  }
  if (total > limits.maxTotalBytes) throw bomb(`it unpacks to ${Math.round(total / 1024 / 1024)} MB`);
}

/**
 * Where the next entry must start after this one: its data, then its data descriptor when flag bit
 * 3 says there is one (12 bytes, 16 with the optional signature).
 */
async function endOfEntry(fh: FileHandle, e: ZipEntry, dataStart: number): Promise<number> {
  const dataEnd = dataStart + e.compressedSize;
  if (!(e.flags & 8)) return dataEnd;
  const head = await readAt(fh, dataEnd, 4);
  return head.length === 4 && head.readUInt32LE(0) === DESCRIPTOR_SIGNATURE ? dataEnd + 16 : dataEnd + 12;
}

/** Inflates one entry only as far as its stated size: more is a lie, and the rest is never produced. */
async function checkInflatedSize(fh: FileHandle, e: ZipEntry, dataStart: number): Promise<void> {
  if (e.method === 0) {
    if (e.compressedSize !== e.uncompressedSize) throw malformed(`part ${e.name} has inconsistent sizes`);
    return;
  }
  const inflate = createInflateRaw();
  let produced = 0;
  const done = new Promise<void>((resolve, reject) => {
    inflate.on('data', (chunk: Buffer) => {
      produced += chunk.length;
      if (produced > e.uncompressedSize) {
        inflate.destroy();
        reject(bomb(`part ${e.name} unpacks to more than its stated size`));
      }
    });
    inflate.on('end', () => resolve());
    inflate.on('error', () => reject(malformed(`part ${e.name} cannot be unpacked`)));
  });
  // Settled while a read is awaited; `await done` below still throws its refusal.
  done.catch(() => undefined);
  const chunkSize = 64 * 1024;
  for (let at = 0; at < e.compressedSize && !inflate.destroyed; at += chunkSize) {
    const piece = await readAt(fh, dataStart + at, Math.min(chunkSize, e.compressedSize - at));
    if (!inflate.write(piece)) await Promise.race([once(inflate, 'drain'), done]);
  }
  if (!inflate.destroyed) inflate.end();
  await done;
  if (produced !== e.uncompressedSize) throw malformed(`part ${e.name} has inconsistent sizes`);
}

/**
 * Checks an XLSX (a zip) before any library unpacks it. First the central directory alone: sizes
 * and ratios a zip bomb would need are refused before a byte is inflated. Then the layout: the
 * entries must follow each other without gaps up to the directory, because a streaming reader
 * reads the local headers front to back and would unpack an entry hidden between them that the
 * directory never names. Last, each entry is inflated with its output counted and cut off at its
 * stated size, so a directory that understates a size is caught at that size.
 */
export async function checkZip(path: string, fileSize: number, limits: SpreadsheetLimits): Promise<ZipEntry[]> {
  const fh = await open(path, 'r');
  try {
    const { entries, offset } = await centralDirectory(fh, fileSize);
    checkStatedSizes(entries, limits);
    if (!entries.some((e) => e.name === 'xl/workbook.xml')) {
      throw new SpreadsheetRefused('spreadsheet_unknown_format', 'The file is a zip archive but not an XLSX workbook: upload the spreadsheet as .xlsx or as CSV (UTF-8)');
    }
    let expected = 0;
    for (const e of [...entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset)) {
      if (e.localHeaderOffset !== expected) throw malformed('data between its parts');
      const header = await readAt(fh, e.localHeaderOffset, 30);
      if (header.length < 30 || header.readUInt32LE(0) !== LOCAL_SIGNATURE) throw malformed('a broken part header');
      const nameLength = header.readUInt16LE(26);
      const name = (await readAt(fh, e.localHeaderOffset + 30, nameLength)).toString('utf8');
      if (name !== e.name) throw malformed('a part whose names disagree');
      const dataStart = e.localHeaderOffset + 30 + nameLength + header.readUInt16LE(28);
      await checkInflatedSize(fh, e, dataStart);
      expected = await endOfEntry(fh, e, dataStart);
    }
    if (expected !== offset) throw malformed('data between its parts and its directory');
    return entries;
  } finally {
    await fh.close();
  }
}

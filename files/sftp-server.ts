import { constants as fsConstants, existsSync, mkdirSync, readFileSync, writeFileSync, type Stats } from 'node:fs';
import { lstat, open, readdir, realpath, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import { generateEd25519KeyPair } from './ssh-keys';
import { Server, utils, type Attributes, type AuthContext, type Connection, type FileEntry, type SFTPWrapper } from 'ssh2';
import type { Db } from '../db/client';
import { batchFileLimitDefaults } from '../domain/batch-file';
import { authenticateSftpPassword, authenticateSftpPublicKey, normaliseSftpUsername, revokedSftpCredentialIds, type SftpCredential } from '../services/sftp-credentials';
import { SignInThrottle } from '../services/sign-in-throttle';
import { ensurePartnerFolders, isCandidateFileName, partnerFolder, type PartnerFolderKind } from './layout';

const { OPEN_MODE, STATUS_CODE } = utils.sftp;

/** A partner's folder under the files root (files/layout.ts): uploads go to `inbox/`, results to `processed/`, daily extracts to `outbox/`. */
const PARTNER_FOLDERS: readonly PartnerFolderKind[] = ['inbox', 'processed', 'outbox'];
type Area = PartnerFolderKind | 'root' | 'other';

/**
 * Whether a file of this name in `inbox/` is a finished upload. Clients upload under a partial
 * name (`*.part`, `*.tmp`, a dotfile, WinSCP's `*.filepart`) and rename it when done.
 */
export const isCompleteUploadName = (name: string): boolean => isCandidateFileName(name) && !/\.filepart$/i.test(name);

export interface SftpServerOptions {
  db: Db;
  /** The files root; a partner's folder is `<root>/<partner id>/`. */
  root: string;
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** OpenSSH private host keys (see `loadOrCreateSftpHostKey`). */
  hostKeys: (string | Buffer)[];
  logger: Logger;
  /**
   * Called once per complete upload: when a file written in `inbox/` is closed, or when a partial
   * upload (`*.part`, `*.tmp`, `*.filepart`, a dotfile) is renamed to its final name in `inbox/`. An upload
   * whose connection drops before the close is never reported. Errors are logged, not sent to the client.
   */
  onUploadComplete?: (partnerId: string, absolutePath: string) => void | Promise<void>;
  /** How often open sessions are checked against revoked logins (default 5 s): a revoked login's sessions end. */
  revocationCheckMs?: number;
  /** RECOUP_MAX_BATCH_FILE_BYTES: a write that would make a file larger is refused and the upload removed. */
  maxFileBytes?: number;
  /** Password sign-ins are counted and limited per username and per address; default: the standard policy on `db`. */
  throttle?: SignInThrottle;
}

export interface SftpServer {
  port: number;
  close(): Promise<void>;
}

/** Failed sign-ins on one connection before it is dropped. */
const MAX_FAILED_SIGN_INS = 6;
const READ_CHUNK_MAX = 64 * 1024;
const NAMES_PER_READDIR = 100;

/**
 * The host key: read from `file` when given, else `<dataDir>/sftp_host_ed25519_key`, generated
 * once, so clients' known_hosts stay valid across restarts (and across API processes sharing it).
 */
export function loadOrCreateSftpHostKey(options: { file?: string; dataDir: string; logger?: Logger }): string {
  if (options.file) return readFileSync(options.file, 'utf8');
  if (options.dataDir === 'memory://') {
    options.logger?.warn('no RECOUP_SFTP_HOST_KEY_FILE with an in-memory data dir: the SFTP host key changes at every start');
    return generateEd25519KeyPair().private;
  }
  const file = path.resolve(options.dataDir, 'sftp_host_ed25519_key');
  if (existsSync(file)) return readFileSync(file, 'utf8');
  mkdirSync(path.dirname(file), { recursive: true });
  const pair = generateEd25519KeyPair('recoup sftp host key');
  try {
    writeFileSync(file, pair.private, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another process starting at the same moment made it first: use that one.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8');
    throw err;
  }
  writeFileSync(`${file}.pub`, `${pair.public}\n`);
  options.logger?.info({ file }, 'generated the SFTP host key');
  return pair.private;
}

/** The SFTP server partners' host systems upload batch files to and collect results from. */
export async function startSftpServer(options: SftpServerOptions): Promise<SftpServer> {
  const { db, logger } = options;
  const throttle = options.throttle ?? new SignInThrottle(db, logger);
  const root = path.resolve(options.root);
  const connections = new Set<Connection>();
  /** The login each signed-in connection uses: revoking it ends the connection (see `endRevokedSessions`). */
  const signedInWith = new Map<Connection, { credential: SftpCredential; log: Logger }>();

  const server = new Server({ hostKeys: options.hostKeys, ident: 'recoup-sftp' }, (client, info) => {
    connections.add(client);
    const log = logger.child({ sftp: { ip: info.ip } });
    let credential: SftpCredential | null = null;
    let failures = 0;

    client.on('authentication', (ctx) => void authenticate(ctx));
    async function authenticate(ctx: AuthContext): Promise<void> {
      try {
        let found: SftpCredential | null;
        if (ctx.method === 'password') {
          // A throttled or busy attempt is refused exactly like a wrong password (SSH has no other answer).
          const { password } = ctx;
          const outcome = await throttle.attempt({ kind: 'sftp', account: normaliseSftpUsername(ctx.username), address: info.ip }, () =>
            authenticateSftpPassword(db, ctx.username, password),
          );
          found = outcome.ok ? outcome.value : null;
        } else if (ctx.method === 'publickey') {
          const { key, signature, blob, hashAlgo } = ctx;
          found = await authenticateSftpPublicKey(db, ctx.username, { algo: key.algo, data: key.data, signature, blob, hashAlgo });
          // Without a signature the client only asks whether the key would do: say so, nothing is signed in yet.
          if (found && !signature) return ctx.accept();
          if (!signature) return ctx.reject(['publickey', 'password']);
        } else {
          return ctx.reject(['publickey', 'password']);
        }
        if (!found) {
          failures += 1;
          log.info({ username: ctx.username, method: ctx.method }, 'sftp sign-in refused');
          ctx.reject(['publickey', 'password']);
          if (failures >= MAX_FAILED_SIGN_INS) client.end();
          return;
        }
        credential = found;
        ctx.accept();
      } catch (err) {
        log.error({ err }, 'sftp sign-in failed');
        ctx.reject();
      }
    }

    client.on('ready', () => {
      const signedIn = credential!;
      signedInWith.set(client, { credential: signedIn, log });
      log.info({ username: signedIn.username, partnerId: signedIn.partnerId }, 'sftp signed in');
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('sftp', (acceptSftp) => {
          const sftp = acceptSftp();
          // Handlers go on at once (a request with none is answered "unsupported"); each waits for the folder.
          new PartnerFileSession(sftp, openPartnerFiles(root, signedIn.partnerId), log.child({ partnerId: signedIn.partnerId }), options.onUploadComplete, options.maxFileBytes ?? batchFileLimitDefaults.maxFileBytes).attach();
        });
      });
    });
    client.on('error', (err) => log.debug({ err }, 'sftp connection error'));
    client.on('close', () => {
      connections.delete(client);
      signedInWith.delete(client);
    });
  });
  server.on('error', (err: Error) => logger.error({ err }, 'sftp server error'));

  // Logins are revoked from another process (the CLI), so the database is asked, not this process's memory.
  let checking = false;
  async function endRevokedSessions(): Promise<void> {
    if (checking || signedInWith.size === 0) return;
    checking = true;
    try {
      const revoked = await revokedSftpCredentialIds(db, [...new Set([...signedInWith.values()].map((s) => s.credential.id))]);
      for (const [client, { credential, log }] of signedInWith) {
        if (!revoked.has(credential.id)) continue;
        log.info({ username: credential.username, partnerId: credential.partnerId }, 'sftp login revoked: session closed');
        signedInWith.delete(client);
        client.end();
      }
    } catch (err) {
      logger.warn({ err }, 'could not check sftp logins for revocation');
    } finally {
      checking = false;
    }
  }
  const revocationTimer = setInterval(() => void endRevokedSessions(), options.revocationCheckMs ?? 5_000);
  revocationTimer.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, root }, 'SFTP listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(revocationTimer);
        server.close(() => resolve());
        for (const c of connections) c.end();
      }),
  };
}

interface PartnerFolder {
  partnerId: string;
  /** `<root>/<partner id>`, as paths handed to `onUploadComplete` are spelled. */
  dir: string;
  /** Its real path: every resolved path must stay under it. */
  real: string;
}

async function openPartnerFiles(root: string, partnerId: string): Promise<PartnerFolder> {
  await ensurePartnerFolders(root, partnerId);
  const dir = partnerFolder(root, partnerId);
  return { partnerId, dir, real: await realpath(dir) };
}

/** A request refused with an SFTP status. */
class Refusal extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}
const denied = (message = 'permission denied') => new Refusal(STATUS_CODE.PERMISSION_DENIED, message);
const noSuchFile = () => new Refusal(STATUS_CODE.NO_SUCH_FILE, 'no such file');

interface FileHandleState {
  kind: 'file';
  fd: FileHandle;
  /** Real path, updated when the file is renamed while open. */
  real: string;
  writable: boolean;
  /** Written to or truncated: closing it completes an upload. */
  changed: boolean;
  /** For appends (whose offsets the OS ignores): where the next byte lands, counted before each write. */
  appendEnd: number | null;
  /** A write past the size limit was refused and the file removed: the upload is dead. */
  oversized: boolean;
  inFlight: Set<Promise<unknown>>;
}
interface DirHandleState {
  kind: 'dir';
  entries: FileEntry[];
  position: number;
}

/** Where a path is inside the partner's folder. */
interface Located {
  /** The client's view: `/`, `/inbox/batch.csv`. */
  virtual: string;
  /** On disk, with every symlink resolved (or, for `lstat`-like requests, all but the last component). */
  real: string;
  /** Path segments below the partner folder, from `real`. */
  segments: string[];
  area: Area;
}

/**
 * One SFTP session, chrooted to a partner's folder: the client's `/` is `<root>/<partner id>`.
 * Permissions: `/` lists the three folders; `inbox/` takes new files (write, rename, remove,
 * read back); `processed/` and `outbox/` are read and clean-up only (read, list, remove files).
 * No directories are made or removed; symlinks never lead out of the folder.
 */
class PartnerFileSession {
  private readonly handles = new Map<number, FileHandleState | DirHandleState>();
  private nextHandle = 1;
  private folder!: PartnerFolder;
  private running = 0;
  private ending = false;

  constructor(
    private readonly sftp: SFTPWrapper,
    private readonly folderReady: Promise<PartnerFolder>,
    private readonly log: Logger,
    private readonly onUploadComplete: SftpServerOptions['onUploadComplete'],
    private readonly maxFileBytes: number,
  ) {
    folderReady.then(
      (folder) => (this.folder = folder),
      (err: unknown) => {
        this.log.error({ err }, 'could not open the partner folder');
        sftp.end();
      },
    );
  }

  attach(): void {
    const { sftp } = this;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each event's arguments are typed by its handler below
    const on = (event: string, handler: (reqId: number, ...args: any[]) => Promise<void>) =>
      sftp.on(event, (reqId: number, ...args: unknown[]) => void this.run(reqId, () => handler(reqId, ...args)));
    on('REALPATH', (reqId: number, p: string) => this.realpath(reqId, p));
    on('STAT', (reqId: number, p: string) => this.stat(reqId, p, true));
    on('LSTAT', (reqId: number, p: string) => this.stat(reqId, p, false));
    on('FSTAT', (reqId: number, h: Buffer) => this.fstat(reqId, h));
    on('OPENDIR', (reqId: number, p: string) => this.opendir(reqId, p));
    on('READDIR', (reqId: number, h: Buffer) => this.readdir(reqId, h));
    on('OPEN', (reqId: number, p: string, flags: number) => this.open(reqId, p, flags));
    on('READ', (reqId: number, h: Buffer, offset: number, length: number) => this.read(reqId, h, offset, length));
    on('WRITE', (reqId: number, h: Buffer, offset: number, data: Buffer) => this.write(reqId, h, offset, data));
    on('CLOSE', (reqId: number, h: Buffer) => this.close(reqId, h));
    on('REMOVE', (reqId: number, p: string) => this.remove(reqId, p));
    on('RENAME', (reqId: number, from: string, to: string) => this.rename(reqId, from, to));
    on('MKDIR', (_reqId: number, p: string) => this.mkdir(p));
    on('RMDIR', (_reqId: number, p: string) => this.rmdir(p));
    // Times and modes are Recoup's to keep: accepted and ignored, so `put -p` and similar work.
    on('SETSTAT', (reqId: number, p: string) => this.setstat(reqId, p));
    on('FSETSTAT', (reqId: number, h: Buffer) => this.fsetstat(reqId, h));
    // The client is done sending (OpenSSH's sftp after its last command): close once every answer is out.
    sftp.on('end', () => {
      this.ending = true;
      if (this.running === 0) sftp.end();
    });
    sftp.on('close', () => void this.closeAll());
    sftp.on('error', (err: Error) => this.log.debug({ err }, 'sftp session error'));
  }

  private async run(reqId: number, handler: () => Promise<void>): Promise<void> {
    this.running += 1;
    try {
      await this.folderReady;
      await handler();
    } catch (err) {
      const { code, message } = statusOf(err);
      if (code === STATUS_CODE.FAILURE) this.log.warn({ err }, 'sftp request failed');
      this.sftp.status(reqId, code, message);
    } finally {
      this.running -= 1;
      if (this.ending && this.running === 0) this.sftp.end();
    }
  }

  // --- paths -------------------------------------------------------------------------------

  private virtual(p: string): string {
    if (p.includes('\0')) throw noSuchFile();
    // Resolved against `/`: `..` stops at the partner's folder, relative paths start there.
    return path.posix.resolve('/', p);
  }

  private place(virtual: string, real: string): Located {
    const relative = path.relative(this.folder.real, real);
    if (relative.startsWith('..') || path.isAbsolute(relative)) throw denied();
    const segments = relative === '' ? [] : relative.split(path.sep);
    const first = segments[0];
    const area: Area = first === undefined ? 'root' : (PARTNER_FOLDERS as readonly string[]).includes(first) ? (first as Area) : 'other';
    return { virtual, real, segments, area };
  }

  /** An existing path, every symlink followed; refused when that leads out of the partner's folder. */
  private async locateExisting(p: string): Promise<Located> {
    const virtual = this.virtual(p);
    const real = await realpath(path.join(this.folder.real, virtual));
    return this.place(virtual, real);
  }

  /** A path whose last component is taken as it is (not followed): to create, remove, rename or lstat it. */
  private async locateEntry(p: string): Promise<Located> {
    const virtual = this.virtual(p);
    if (virtual === '/') return this.place(virtual, this.folder.real);
    const parent = await realpath(path.join(this.folder.real, path.posix.dirname(virtual)));
    return this.place(virtual, path.join(parent, path.posix.basename(virtual)));
  }

  /** The path as `<root>/<partner id>/…`, the spelling `onUploadComplete` receives. */
  private published(located: { real: string }): string {
    return path.join(this.folder.dir, path.relative(this.folder.real, located.real));
  }

  // --- requests ----------------------------------------------------------------------------

  private async realpath(reqId: number, p: string): Promise<void> {
    const virtual = this.virtual(p);
    this.sftp.name(reqId, [{ filename: virtual, longname: virtual } as FileEntry]);
  }

  private async stat(reqId: number, p: string, follow: boolean): Promise<void> {
    const located = follow ? await this.locateExisting(p) : await this.locateEntry(p);
    if (located.area === 'other') throw noSuchFile();
    this.sftp.attrs(reqId, attributesOf(follow ? await stat(located.real) : await lstat(located.real)));
  }

  private async fstat(reqId: number, h: Buffer): Promise<void> {
    const handle = this.fileHandle(h);
    this.sftp.attrs(reqId, attributesOf(await handle.fd.stat()));
  }

  private async opendir(reqId: number, p: string): Promise<void> {
    const located = await this.locateExisting(p);
    if (located.area === 'other') throw noSuchFile();
    if (!(await stat(located.real)).isDirectory()) throw new Refusal(STATUS_CODE.FAILURE, 'not a directory');
    let names = await readdir(located.real);
    // The partner's folder shows the three folders only, whatever else Recoup keeps there.
    if (located.area === 'root') names = names.filter((n) => (PARTNER_FOLDERS as readonly string[]).includes(n));
    const entries: FileEntry[] = [];
    for (const name of names.sort()) {
      try {
        const s = await lstat(path.join(located.real, name));
        entries.push({ filename: name, longname: longnameOf(name, s), attrs: attributesOf(s) });
      } catch {
        // Gone between the listing and the lstat (the intake moved it): not listed.
      }
    }
    this.sftp.handle(reqId, this.addHandle({ kind: 'dir', entries, position: 0 }));
  }

  private async readdir(reqId: number, h: Buffer): Promise<void> {
    const handle = this.handles.get(handleNumber(h));
    if (handle?.kind !== 'dir') throw new Refusal(STATUS_CODE.FAILURE, 'invalid handle');
    if (handle.position >= handle.entries.length) {
      this.sftp.status(reqId, STATUS_CODE.EOF);
      return;
    }
    const batch = handle.entries.slice(handle.position, handle.position + NAMES_PER_READDIR);
    handle.position += batch.length;
    this.sftp.name(reqId, batch);
  }

  private async open(reqId: number, p: string, flags: number): Promise<void> {
    const writable = (flags & (OPEN_MODE.WRITE | OPEN_MODE.APPEND)) !== 0;
    let located: Located;
    let mode: number;
    if (writable) {
      located = await this.locateEntry(p);
      if (located.area !== 'inbox' || located.segments.length !== 2) throw denied('files can be written to /inbox only');
      mode = flags & OPEN_MODE.READ ? fsConstants.O_RDWR : fsConstants.O_WRONLY;
      if (flags & OPEN_MODE.CREAT) mode |= fsConstants.O_CREAT;
      if (flags & OPEN_MODE.TRUNC) mode |= fsConstants.O_TRUNC;
      if (flags & OPEN_MODE.EXCL) mode |= fsConstants.O_EXCL;
      if (flags & OPEN_MODE.APPEND) mode |= fsConstants.O_APPEND;
    } else {
      located = await this.locateExisting(p);
      if (located.area === 'root' || located.area === 'other') throw located.area === 'other' ? noSuchFile() : denied();
      mode = fsConstants.O_RDONLY;
    }
    // O_NOFOLLOW: a symlink put in place of the last component is never opened.
    const fd = await open(located.real, mode | fsConstants.O_NOFOLLOW, 0o640);
    if (!(await fd.stat()).isFile()) {
      await fd.close();
      throw new Refusal(STATUS_CODE.FAILURE, 'not a regular file');
    }
    const changed = writable && (flags & OPEN_MODE.TRUNC) !== 0;
    const appendEnd = flags & OPEN_MODE.APPEND ? (await fd.stat()).size : null;
    this.sftp.handle(reqId, this.addHandle({ kind: 'file', fd, real: located.real, writable, changed, appendEnd, oversized: false, inFlight: new Set() }));
  }

  private async read(reqId: number, h: Buffer, offset: number, length: number): Promise<void> {
    const handle = this.fileHandle(h);
    const buffer = Buffer.alloc(Math.min(length, READ_CHUNK_MAX));
    const { bytesRead } = await this.track(handle, handle.fd.read(buffer, 0, buffer.length, offset));
    if (bytesRead === 0) this.sftp.status(reqId, STATUS_CODE.EOF);
    else this.sftp.data(reqId, buffer.subarray(0, bytesRead));
  }

  private async write(reqId: number, h: Buffer, offset: number, data: Buffer): Promise<void> {
    const handle = this.fileHandle(h);
    if (!handle.writable) throw denied('opened for reading');
    // Checked before a byte is written, synchronously (writes arrive pipelined): the file never
    // grows past the limit, whatever the client's offsets, and nothing is buffered to find out.
    const end = handle.appendEnd === null ? offset + data.length : (handle.appendEnd += data.length);
    if (handle.oversized || end > this.maxFileBytes) return this.refuseOversized(handle);
    await this.track(handle, handle.fd.write(data, 0, data.length, offset));
    handle.changed = true;
    this.sftp.status(reqId, STATUS_CODE.OK);
  }

  private async close(reqId: number, h: Buffer): Promise<void> {
    const number = handleNumber(h);
    const handle = this.handles.get(number);
    if (!handle) throw new Refusal(STATUS_CODE.FAILURE, 'invalid handle');
    this.handles.delete(number);
    if (handle.kind === 'dir') {
      this.sftp.status(reqId, STATUS_CODE.OK);
      return;
    }
    // Writes the client sent before the close finish first.
    await Promise.allSettled(handle.inFlight);
    if (handle.writable && !handle.oversized) await handle.fd.sync();
    await handle.fd.close();
    if (handle.oversized) throw new Refusal(STATUS_CODE.FAILURE, this.oversizedMessage());
    this.sftp.status(reqId, STATUS_CODE.OK);
    if (handle.writable && handle.changed) {
      const located = this.place(handle.real, handle.real);
      if (located.area === 'inbox' && located.segments.length === 2 && isCompleteUploadName(path.basename(handle.real))) this.uploaded(located);
    }
  }

  private async remove(reqId: number, p: string): Promise<void> {
    const located = await this.locateEntry(p);
    if (located.segments.length < 2 || located.area === 'other') throw located.area === 'other' ? noSuchFile() : denied();
    if ((await lstat(located.real)).isDirectory()) throw denied('directories cannot be removed');
    await unlink(located.real);
    this.sftp.status(reqId, STATUS_CODE.OK);
  }

  private async rename(reqId: number, fromPath: string, toPath: string): Promise<void> {
    const from = await this.locateEntry(fromPath);
    const to = await this.locateEntry(toPath);
    const inInbox = (l: Located) => l.area === 'inbox' && l.segments.length === 2;
    if (!inInbox(from) || !inInbox(to)) throw denied('files can be renamed within /inbox only');
    if (!(await lstat(from.real)).isFile()) throw noSuchFile();
    // SFTP version 3: a rename never replaces an existing file.
    if (await lstat(to.real).then(() => true, () => false)) throw new Refusal(STATUS_CODE.FAILURE, 'the target exists');
    await rename(from.real, to.real);
    this.sftp.status(reqId, STATUS_CODE.OK);
    const open = [...this.handles.values()].filter((x): x is FileHandleState => x.kind === 'file' && x.real === from.real);
    for (const handle of open) handle.real = to.real; // completed when it is closed
    if (open.length === 0 && !isCompleteUploadName(path.basename(from.real)) && isCompleteUploadName(path.basename(to.real))) this.uploaded(to);
  }

  private async mkdir(p: string): Promise<void> {
    const located = await this.locateEntry(p);
    // "Already there" for the three folders keeps `mkdir -p`-style clients going.
    if (await lstat(located.real).then(() => true, () => false)) throw new Refusal(STATUS_CODE.FAILURE, 'exists');
    throw denied('directories cannot be made');
  }

  private async rmdir(p: string): Promise<void> {
    await this.locateEntry(p);
    throw denied('directories cannot be removed');
  }

  private async setstat(reqId: number, p: string): Promise<void> {
    await this.locateExisting(p);
    this.sftp.status(reqId, STATUS_CODE.OK);
  }

  private async fsetstat(reqId: number, h: Buffer): Promise<void> {
    this.fileHandle(h);
    this.sftp.status(reqId, STATUS_CODE.OK);
  }

  /**
   * The first write past the limit removes the partial file (once the writes already under way
   * have landed) and every later write and the close are refused: an upload cut off is never taken.
   */
  private async refuseOversized(handle: FileHandleState): Promise<void> {
    if (!handle.oversized) {
      handle.oversized = true;
      this.log.warn({ file: this.published(handle), limit: this.maxFileBytes }, 'sftp upload refused: over the batch file size limit');
      await Promise.allSettled(handle.inFlight);
      await unlink(handle.real).catch(() => undefined);
    }
    throw new Refusal(STATUS_CODE.FAILURE, this.oversizedMessage());
  }

  private oversizedMessage(): string {
    return `file too large: batch files may have at most ${this.maxFileBytes} bytes; the upload was removed`;
  }

  // --- handles -----------------------------------------------------------------------------

  private addHandle(state: FileHandleState | DirHandleState): Buffer {
    const number = this.nextHandle++;
    this.handles.set(number, state);
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32BE(number);
    return buffer;
  }

  private fileHandle(h: Buffer): FileHandleState {
    const handle = this.handles.get(handleNumber(h));
    if (handle?.kind !== 'file') throw new Refusal(STATUS_CODE.FAILURE, 'invalid handle');
    return handle;
  }

  private track<T>(handle: FileHandleState, operation: Promise<T>): Promise<T> {
    handle.inFlight.add(operation);
    return operation.finally(() => handle.inFlight.delete(operation));
  }

  private uploaded(located: Located): void {
    const file = this.published(located);
    this.log.info({ file }, 'sftp upload complete');
    if (!this.onUploadComplete) return;
    void Promise.resolve()
      .then(() => this.onUploadComplete!(this.folder.partnerId, file))
      .catch((err: unknown) => this.log.error({ err, file }, 'handling an uploaded file failed'));
  }

  /** The connection went away: open files are closed, and an upload not closed by the client is not complete. */
  private async closeAll(): Promise<void> {
    const open = [...this.handles.values()];
    this.handles.clear();
    for (const handle of open) {
      if (handle.kind === 'file') await handle.fd.close().catch(() => undefined);
    }
  }
}

function handleNumber(h: Buffer): number {
  return h.length === 4 ? h.readUInt32BE(0) : 0;
}

function statusOf(err: unknown): { code: number; message: string } {
  if (err instanceof Refusal) return { code: err.code, message: err.message };
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return { code: STATUS_CODE.NO_SUCH_FILE, message: 'no such file' };
  if (code === 'EACCES' || code === 'EPERM' || code === 'ELOOP') return { code: STATUS_CODE.PERMISSION_DENIED, message: 'permission denied' };
  if (code === 'EEXIST') return { code: STATUS_CODE.FAILURE, message: 'exists' };
  return { code: STATUS_CODE.FAILURE, message: 'failure' };
}

function attributesOf(s: Stats): Attributes {
  return { mode: s.mode, uid: s.uid, gid: s.gid, size: s.size, atime: Math.floor(s.atimeMs / 1000), mtime: Math.floor(s.mtimeMs / 1000) };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** An `ls -l` line, which OpenSSH's `ls -l` shows as it is. */
function longnameOf(name: string, s: Stats): string {
  const type = s.isDirectory() ? 'd' : s.isSymbolicLink() ? 'l' : '-';
  const bits = 'rwxrwxrwx'.split('').map((c, i) => (s.mode & (1 << (8 - i)) ? c : '-')).join('');
  const d = s.mtime;
  const date = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  return `${type}${bits}    1 recoup   recoup   ${String(s.size).padStart(10)} ${date} ${name}`;
}

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Why a port cannot be had, for the start-up message: which process listens on it. Read from
 * /proc (Linux): the listening socket's inode in /proc/net/tcp{,6}, then the process with a file
 * descriptor on that socket. Best effort: another OS, or a process of another user, gives null.
 */
export interface PortHolder {
  pid: number;
  command: string;
}

/** True when nothing listens on `port` at `host` (undefined: every address, as the API listens). */
export function portIsFree(port: number, host?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    // Only "in use" is this check's business; anything else (EACCES below 1024) the real listen reports.
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code !== 'EADDRINUSE'));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** Inodes of the sockets listening on `port`, from one /proc/net/tcp-shaped table. */
function listeningInodes(table: string, port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return table
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    // local_address is HEXIP:HEXPORT; state 0A is LISTEN; the inode is the tenth column.
    .filter((cols) => cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A')
    .map((cols) => cols[9]!)
    .filter((inode) => inode !== '0');
}

const readOrEmpty = (file: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

export function portHolder(port: number): PortHolder | null {
  const inodes = new Set(['/proc/net/tcp', '/proc/net/tcp6'].flatMap((t) => listeningInodes(readOrEmpty(t), port)));
  if (inodes.size === 0) return null;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) {
        const command = readOrEmpty(`/proc/${pid}/cmdline`).split('\0').filter(Boolean).join(' ');
        return { pid: Number(pid), command: command.length > 160 ? `${command.slice(0, 157)}...` : command || '?' };
      }
    }
  }
  return null;
}

export interface PortNeed {
  port: number;
  /** What needs it, e.g. "the Temporal dev server (gRPC)". */
  what: string;
  /** The variable that moves it. */
  setting: string;
  host?: string;
}

/** One line per port already taken, naming its holder when it can be found; empty when all are free. */
export async function portsInUse(needs: readonly PortNeed[]): Promise<string[]> {
  const lines: string[] = [];
  for (const need of needs) {
    if (await portIsFree(need.port, need.host)) continue;
    const holder = portHolder(need.port);
    const by = holder ? `in use by pid ${holder.pid} (${holder.command})` : 'in use';
    lines.push(`port ${need.port}, for ${need.what}, is ${by}; stop that process or set ${need.setting} to a free port`);
  }
  return lines;
}

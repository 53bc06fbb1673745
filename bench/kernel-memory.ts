import { readFileSync, writeFileSync } from 'node:fs';

/** The process's RSS and peak RSS (VmHWM) as the kernel counts them. */
export function kernelMemory(): { rss: number; hwm: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** Resets the peak RSS to the current RSS, so a later peak is the work's own. */
export function resetPeakMemory(): void {
  writeFileSync('/proc/self/clear_refs', '5');
}

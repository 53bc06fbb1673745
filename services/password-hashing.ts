import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { availableParallelism } from 'node:os';

/**
 * Password hashing (scrypt) for console users and SFTP logins, in a bounded pool.
 *
 * Node's async `crypto.scrypt` runs on libuv's thread pool (4 threads by default), which file
 * reads, DNS look-ups and zlib share. Unbounded, a flood of wrong passwords fills every thread
 * with 16 MB hashes and the rest of the process queues behind them. So at most `concurrency`
 * hashes run at once (leaving threads and a core for everything else), each slot rests between
 * hashes, and at most `maxQueued` wait; past that a hash is refused at once with `PasswordHashingBusy`, which sign-in answers as
 * "try again shortly" without hashing anything.
 */
export class PasswordHashingBusy extends Error {
  constructor() {
    super('too many password checks are waiting; try again shortly');
  }
}

export class HashPool {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** The most hashes that ever ran at once (for tests and the benchmark). */
  peakActive = 0;
  /** Hashes refused because the queue was full. */
  refused = 0;

  /**
   * `restRatio`: after a hash that took d ms its slot stays idle for d × restRatio ms, so hashing
   * uses at most 1 / (1 + restRatio) of each slot's core however slow the machine is.
   */
  constructor(
    readonly concurrency: number,
    readonly maxQueued: number,
    readonly restRatio = 0,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('concurrency must be a positive whole number');
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) {
      if (this.waiting.length >= this.maxQueued) {
        this.refused += 1;
        throw new PasswordHashingBusy();
      }
      // The slot is handed over by `release`, so `active` never exceeds `concurrency`.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active += 1;
    }
    this.peakActive = Math.max(this.peakActive, this.active);
    const began = performance.now();
    try {
      return await task();
    } finally {
      const rest = (performance.now() - began) * this.restRatio;
      if (rest > 0) setTimeout(() => this.release(), rest);
      else this.release();
    }
  }

  /** Whether a hash asked for now would be refused: callers answer "busy" before doing any other work. */
  get saturated(): boolean {
    return this.active >= this.concurrency && this.waiting.length >= this.maxQueued;
  }

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active -= 1;
  }
}

/**
 * One pool per process: at most 2 hashes at once, 1 on a 2-core machine so the event loop keeps
 * a core, and each slot rests as long as its last hash took, so a flood of wrong passwords takes
 * at most half a core per slot. A hash takes ~50 ms, so 32 waiting is about 3 s: a real user still
 * gets in during a flood, an attacker's surplus is turned away cheaply.
 */
export const passwordHashPool = new HashPool(Math.max(1, Math.min(2, availableParallelism() - 1)), 32, 1);

const SCRYPT = { N: 16_384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function scrypt(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return passwordHashPool.run(
    () =>
      new Promise<Buffer>((resolve, reject) => {
        scryptCallback(password.normalize('NFKC'), salt, KEY_LENGTH, { ...options, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
      }),
  );
}

/** `scrypt$N$r$p$<salt>$<hash>` (base64url): the parameters travel with the hash, so they can be raised later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Throws `PasswordHashingBusy` when the pool is full. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash to compare against when the account is unknown, so an unknown name takes as long as a wrong password. */
const decoys = new Map<string, Promise<string>>();
export async function verifyAgainstDecoy(purpose: string, password: string): Promise<false> {
  let decoy = decoys.get(purpose);
  if (!decoy) {
    decoy = hashPassword(`decoy password for ${purpose}`);
    decoys.set(purpose, decoy);
    decoy.catch(() => decoys.delete(purpose));
  }
  await verifyPassword(password, await decoy);
  return false;
}

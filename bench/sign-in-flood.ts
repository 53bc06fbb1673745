import autocannon from 'autocannon';
import type { BenchStack } from './harness';
import type { SeededImport } from './protocol';

export interface SignInFloodPhase {
  name: string;
  /** Sign-in attempts sent a second during the phase (0 when idle). */
  signInsPerSecond: number;
  get: { requestsPerSecond: number; p50: number; p99: number; non2xx: number; errors: number };
  /** Answers to the sign-ins by HTTP status (401 wrong password, 429 throttled or hash pool full). */
  signInAnswers: Record<string, number>;
}

export interface SignInFloodResult {
  connections: number;
  durationSeconds: number;
  phases: SignInFloodPhase[];
}

/**
 * (e) p99 of GET /invoices/{id} idle and during a flood of console sign-ins with wrong passwords,
 * sent at a fixed rate (not as fast as the server answers): first every attempt from a new address
 * for a new email, so every one would need a password hash (the bounded pool is what protects the
 * other requests), then all from one address for one account (the throttle answers without hashing).
 */
export async function runSignInFlood(
  stack: BenchStack,
  seeded: SeededImport,
  o: { connections: number; duration: number; rate: number; log(line: string): void },
): Promise<SignInFloodResult> {
  const { apiUrl } = stack.api;
  await stack.api.call({ type: 'consoleUser', email: 'bench-reviewer@recoup.test', password: 'the right bench password' });
  const invoiceUrl = `${apiUrl}/api/v2/invoices/${seeded.invoiceIds[Math.floor(seeded.invoiceIds.length / 2)]!}`;
  const headers = { authorization: `Bearer ${seeded.key}` };

  // One pre-session cookie and its form token serve every attempt: the flood measures sign-in, not the form page.
  const form = await fetch(`${apiUrl}/console/sign-in`);
  const cookie = form.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!csrf) throw new Error('no form token on /console/sign-in');

  const phases: SignInFloodPhase[] = [];
  const measure = async (name: string, flood: ((i: number) => { email: string; address: string }) | null) => {
    const answers: Record<string, number> = {};
    const inFlight = new Set<Promise<void>>();
    let sent = 0;
    const timer = flood
      ? setInterval(() => {
          const { email, address } = flood(sent++);
          const p = fetch(`${apiUrl}/console/sign-in`, {
            method: 'POST',
            redirect: 'manual',
            headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': address },
            body: new URLSearchParams({ _csrf: csrf, email, password: 'a wrong password' }),
          })
            .then(async (res) => {
              await res.arrayBuffer();
              answers[res.status] = (answers[res.status] ?? 0) + 1;
            })
            .catch(() => {
              answers.error = (answers.error ?? 0) + 1;
            })
            .finally(() => inFlight.delete(p));
          inFlight.add(p);
        }, 1000 / o.rate)
      : undefined;
    // Let the flood reach its steady state before measuring.
    if (flood) await new Promise((r) => setTimeout(r, 2000));
    const began = Date.now();
    const sentBefore = sent;
    const result = await autocannon({ url: invoiceUrl, connections: o.connections, duration: o.duration, headers });
    const seconds = (Date.now() - began) / 1000;
    if (timer) clearInterval(timer);
    await Promise.all(inFlight);
    const phase: SignInFloodPhase = {
      name,
      signInsPerSecond: flood ? Math.round((sent - sentBefore) / seconds) : 0,
      get: { requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors },
      signInAnswers: answers,
    };
    phases.push(phase);
    o.log(`  ${name}: GET p50 ${phase.get.p50} ms, p99 ${phase.get.p99} ms, ${Math.round(phase.get.requestsPerSecond)} req/s; sign-ins ${phase.signInsPerSecond}/s ${JSON.stringify(answers)}`);
    // A pause so the next phase does not start in the previous one's wake.
    await new Promise((r) => setTimeout(r, 3000));
  };

  await measure('idle', null);
  await measure('flood, a new address and email each time (every attempt hashed)', (i) => ({ email: `flood-${i}@recoup.test`, address: `198.18.${(i >> 8) & 255}.${i & 255}` }));
  await measure('flood, one address, one account (throttled)', () => ({ email: 'bench-reviewer@recoup.test', address: '198.19.0.1' }));
  await measure('idle again', null);
  return { connections: o.connections, durationSeconds: o.duration, phases };
}

/** A browser-like HTTP client for the console: keeps cookies, does not follow redirects, reads the forms' CSRF token. */
export interface ConsolePage {
  status: number;
  location: string | null;
  retryAfter: string | null;
  html: string;
  setCookies: string[];
}

export class ConsoleClient {
  readonly cookies = new Map<string, string>();
  /** `headers` go with every request (e.g. `x-forwarded-for`, which the app trusts from loopback). */
  constructor(
    readonly baseUrl: string,
    readonly headers: Record<string, string> = {},
  ) {}

  private async send(method: string, path: string, form?: Record<string, string | string[]>): Promise<ConsolePage> {
    const headers: Record<string, string> = { ...this.headers };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (form) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) params.append(k, x);
      body = params.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body, redirect: 'manual' });
    const setCookies = res.headers.getSetCookie();
    for (const c of setCookies) {
      const [pair = ''] = c.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (!value || /expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: res.status, location: res.headers.get('location'), retryAfter: res.headers.get('retry-after'), html: await res.text(), setCookies };
  }

  get(path: string) {
    return this.send('GET', path);
  }

  post(path: string, form: Record<string, string | string[]>) {
    return this.send('POST', path, form);
  }

  /** The CSRF token of the first form on the page at `path`. */
  async csrf(path: string): Promise<string> {
    const page = await this.get(path);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1];
    if (!token) throw new Error(`no form token on ${path} (${page.status} ${page.location ?? ''})`);
    return token;
  }

  async signIn(email: string, password: string): Promise<ConsolePage> {
    const token = await this.csrf('/console/sign-in');
    return this.post('/console/sign-in', { _csrf: token, email, password });
  }
}

import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';

export interface TestSmtpServer {
  url: string;
  messages: ParsedMail[];
  /** Each message's envelope sender (MAIL FROM, '' for the null sender), in the order of `messages`. */
  envelopeSenders: string[];
  /** Resolves once `n` messages have arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<ParsedMail[]>;
  close(): Promise<void>;
}

export interface SmtpServerOptions {
  /** An SMTP error for RCPT TO of this address (e.g. 550 no such user, 451 try again later), or none to accept it. */
  rejectRecipient?: (address: string) => { code: number; message: string } | undefined;
  /** Runs once a message has been received in full, before the server answers 250 to it. */
  beforeAccept?: (mail: ParsedMail) => void | Promise<void>;
  /** Default: any free port. */
  port?: number;
}

/** A real SMTP server in the test process: the mailer speaks the whole protocol to it. */
export async function startSmtpServer(options: SmtpServerOptions = {}): Promise<TestSmtpServer> {
  const messages: ParsedMail[] = [];
  const envelopeSenders: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onAuth: (_auth, _session, cb) => cb(null, { user: 'test' }),
    onRcptTo(address, _session, cb) {
      const refusal = options.rejectRecipient?.(address.address);
      if (!refusal) return cb();
      cb(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
    },
    onData(stream, session, cb) {
      simpleParser(stream)
        .then(async (mail) => {
          messages.push(mail);
          envelopeSenders.push(session.envelope.mailFrom ? session.envelope.mailFrom.address : '');
          await options.beforeAccept?.(mail);
          cb();
        })
        .catch(cb);
    },
  });
  // A client gone mid-transaction (a killed worker) is an 'error' event; unheard, it would end the test process.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://test:test@127.0.0.1:${port}`,
    messages,
    envelopeSenders,
    async waitFor(n, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} emails, got ${messages.length}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return messages;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

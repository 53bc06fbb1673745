import { connect, type Socket } from 'node:net';

/** The server's reply to each step of one SMTP transaction; the conversation stops at the first refusal. */
export interface SmtpConversation {
  mailFrom: number;
  rcptTo?: number;
  data?: number;
  /** The reply to the message's end (`.`): 250 taken, 552 too big, … */
  end?: number;
  /** The text of the last reply. */
  last: string;
}

/**
 * One SMTP transaction spoken line by line over a raw socket (loopback only), so a test controls
 * what a mail library would not let it: the null sender, a SIZE it lies about, an oversized body.
 */
export async function smtpTransaction(port: number, o: { from: string; to: string; data: string | Buffer; declaredSize?: number }): Promise<SmtpConversation> {
  const socket = connect(port, '127.0.0.1');
  const replies = replyReader(socket);
  try {
    await replies.next(); // greeting
    await command(socket, replies, 'EHLO test.example');
    const size = o.declaredSize !== undefined ? ` SIZE=${o.declaredSize}` : '';
    const mailFrom = await command(socket, replies, `MAIL FROM:<${o.from}>${size}`);
    const out: SmtpConversation = { mailFrom: mailFrom.code, last: mailFrom.text };
    if (mailFrom.code >= 400) return out;
    const rcpt = await command(socket, replies, `RCPT TO:<${o.to}>`);
    Object.assign(out, { rcptTo: rcpt.code, last: rcpt.text });
    if (rcpt.code >= 400) return out;
    const data = await command(socket, replies, 'DATA');
    Object.assign(out, { data: data.code, last: data.text });
    if (data.code >= 400) return out;
    const body = Buffer.isBuffer(o.data) ? o.data.toString('utf8') : o.data;
    // Dot-stuffing, CRLF line ends, then the end marker.
    socket.write(body.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..'));
    const end = await command(socket, replies, '\r\n.');
    Object.assign(out, { end: end.code, last: end.text });
    socket.write('QUIT\r\n');
    return out;
  } finally {
    socket.end();
  }
}

async function command(socket: Socket, replies: ReturnType<typeof replyReader>, line: string): Promise<{ code: number; text: string }> {
  socket.write(`${line}\r\n`);
  return replies.next();
}

/** Complete replies (the last line of a multi-line reply has a space after its code), in order. */
function replyReader(socket: Socket) {
  let buffer = '';
  const waiting: Array<(r: { code: number; text: string }) => void> = [];
  const ready: Array<{ code: number; text: string }> = [];
  let failure: Error | null = null;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let m: RegExpExecArray | null;
    while ((m = /^(\d{3}) .*\r?\n/m.exec(buffer))) {
      const text = buffer.slice(0, m.index + m[0].length).trim();
      buffer = buffer.slice(m.index + m[0].length);
      const reply = { code: Number(m[1]), text };
      const w = waiting.shift();
      if (w) w(reply);
      else ready.push(reply);
    }
  });
  socket.on('error', (err) => {
    failure = err;
  });
  return {
    next(): Promise<{ code: number; text: string }> {
      if (failure) return Promise.reject(failure);
      const r = ready.shift();
      if (r) return Promise.resolve(r);
      return new Promise((resolve, reject) => {
        waiting.push(resolve);
        socket.once('close', () => reject(new Error('SMTP connection closed')));
      });
    },
  };
}

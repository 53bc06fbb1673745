import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Logger } from 'pino';
import type { Db } from '../db/client';
import { findRepliedMessage, mayReplyTo, recordEmailBounce, recordEmailReply, type RepliedMessage } from '../services/email-replies';
import { deliveryStatusOf } from './delivery-status';
import { verifyReplyAddress, type ReplyAddressKey } from './reply-address';
import { replyTextOf } from './reply-text';

/** Largest message taken (advertised as SIZE, and counted while it arrives whatever the client declared). */
export const MAX_INBOUND_MESSAGE_BYTES = 10 * 1024 * 1024;

export interface InboundSmtpServer {
  port: number;
  close(): Promise<void>;
}

/** The message a session's accepted recipient names (set at RCPT TO, read at DATA). */
type Session = SMTPServerSession & { repliedMessage?: RepliedMessage };

function refusal(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/**
 * Recoup's inbound SMTP server: the MX of RECOUP_INBOUND_EMAIL_DOMAIN. It takes mail only to a
 * signed reply address (inbound/reply-address.ts) of one of our emails, and only from that
 * email's debtor, or from the null sender (bounces). Everything is refused at SMTP time (the
 * sending server keeps it and tells its sender), and a refusal is logged with its reason, never
 * with the mail's content:
 * - another domain, a malformed or forged address, an unknown message: 550;
 * - a sender that is not the debtor's address (nor the one the message went to): 550;
 * - more than 10 MB (counted, not trusted from SIZE=): 552.
 * A taken message is a bounce (delivery-status.ts) or a reply (services/email-replies.ts). The
 * server keeps no state of its own: several may run against one database.
 */
export async function startInboundSmtpServer(options: { db: Db; key: ReplyAddressKey; port: number; host?: string; logger: Logger; maxBytes?: number }): Promise<InboundSmtpServer> {
  const { db, key, logger } = options;
  const maxBytes = options.maxBytes ?? MAX_INBOUND_MESSAGE_BYTES;
  const log = logger.child({ component: 'inbound-smtp' });

  const server = new SMTPServer({
    name: key.domain,
    banner: 'Recoup inbound mail',
    size: maxBytes,
    authOptional: true,
    // An MX takes mail from other servers: nobody signs in. No certificate is configured (see docs/conversations.md).
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onMailFrom(_address, session: Session, callback) {
      // A new transaction on the same connection names its own message.
      delete session.repliedMessage;
      callback();
    },
    async onRcptTo(address, session: Session, callback) {
      try {
        // One message per transaction: what a reply answers is decided by its one recipient.
        if (session.repliedMessage) return callback(refusal(452, '4.5.3 One recipient per message'));
        const verified = verifyReplyAddress(key, address.address);
        if ('refused' in verified) {
          log.warn({ reason: verified.refused, remote: session.remoteAddress }, 'inbound mail refused: not a reply address of ours');
          return callback(refusal(550, '5.1.1 No such recipient here'));
        }
        const message = await findRepliedMessage(db, verified.messageId);
        if (!message) {
          log.warn({ reason: 'unknown_message', message_id: verified.messageId, remote: session.remoteAddress }, 'inbound mail refused: the message it answers is unknown');
          return callback(refusal(550, '5.1.1 No such recipient here'));
        }
        const sender = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        // The null sender (<>) is how bounces come; any other sender must be the debtor.
        if (sender !== '' && !mayReplyTo(message, sender)) {
          log.warn({ reason: 'unknown_sender', message_id: message.id, remote: session.remoteAddress }, 'inbound mail refused: mail from unknown addresses');
          return callback(refusal(550, '5.7.1 Mail from unknown addresses is not accepted'));
        }
        session.repliedMessage = message;
        callback();
      } catch (err) {
        log.error({ err }, 'inbound mail: recipient check failed');
        callback(refusal(451, '4.3.0 Temporary failure, try again later'));
      }
    },
    onData(stream: SMTPServerDataStream, session: Session, callback) {
      const chunks: Buffer[] = [];
      let bytes = 0;
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        // Counted here, whatever SIZE the client declared: past the limit nothing more is kept.
        if (bytes <= maxBytes) chunks.push(chunk);
      });
      stream.on('end', () => {
        const message = session.repliedMessage;
        if (bytes > maxBytes) {
          log.warn({ reason: 'too_large', bytes, message_id: message?.id }, 'inbound mail refused: over the size limit');
          return callback(refusal(552, '5.3.4 Message too big'));
        }
        if (!message) return callback(refusal(503, '5.5.1 No recipient'));
        const sender = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        take(message, Buffer.concat(chunks), sender).then(
          () => callback(),
          (err: unknown) => {
            log.error({ err, message_id: message.id }, 'inbound mail not recorded');
            callback(refusal(451, '4.3.0 Temporary failure, try again later'));
          },
        );
      });
    },
  });

  async function take(message: RepliedMessage, raw: Buffer, sender: string): Promise<void> {
    const mail = await simpleParser(raw);
    const providerMessageId = mail.messageId ?? `sha256:${createHash('sha256').update(raw).digest('hex')}`;
    const dsn = deliveryStatusOf(mail, raw, sender === '');
    if (dsn) {
      const recorded = await recordEmailBounce(db, message, { recipient: dsn.recipient ?? message.recipient, status: dsn.status, diagnostic: dsn.diagnostic, hard: dsn.hard, providerMessageId });
      log.info({ message_id: message.id, status: dsn.status, hard: dsn.hard, recorded }, 'inbound bounce');
      return;
    }
    const from = (sender || mail.from?.value[0]?.address || '').toLowerCase();
    // mailparser's text is the text/plain part, else the HTML part converted to text.
    const text = replyTextOf(mail.text ?? '');
    const recorded = await recordEmailReply(db, message, { from, subject: mail.subject ?? null, text, providerMessageId });
    log.info({ message_id: message.id, recorded }, 'inbound reply');
  }

  // A client gone mid-transaction is an 'error' event; unheard, it would end the process.
  server.on('error', (err) => log.warn({ err }, 'inbound SMTP connection error'));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

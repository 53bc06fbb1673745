/**
 * What a debtor's SMS reply asks for. The keywords are the carriers' and Twilio's standard
 * opt-out and opt-in words; only a message that is exactly the keyword counts (case and
 * surrounding spaces aside), so "please stop calling me at work" is a message, not an opt-out.
 */
export type SmsReplyIntent = 'opt_out' | 'opt_in' | 'message';

const optOutKeywords = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT']);
const optInKeywords = new Set(['START', 'YES', 'UNSTOP']);

export function smsReplyIntent(body: string): SmsReplyIntent {
  const word = body.trim().toUpperCase();
  if (optOutKeywords.has(word)) return 'opt_out';
  if (optInKeywords.has(word)) return 'opt_in';
  return 'message';
}

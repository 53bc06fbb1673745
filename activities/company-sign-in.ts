import { ApplicationFailure } from '@temporalio/activity';
import { messageIdForSendKey } from '../messaging/mailer';
import { renderCompanySignInEmail } from '../messaging/company-sign-in-texts';
import type { Locale } from '../messaging/templates';
import { linkToSend, signInUrl, SIGN_IN_LINK_TTL_MS } from '../services/company-users';
import type { ActivityDeps } from './deps';

export type CompanySignInLinkResult = { status: 'sent' | 'outbox' } | { status: 'skipped'; reason: 'expired_used_or_revoked' };

export function companySignInActivities({ db, mailer, config, clock = () => new Date() }: ActivityDeps) {
  return {
    /**
     * Emails a company user their one-time sign-in link. The Message-ID is the link's, so a retry
     * after an interrupted send is a copy the mailbox drops. A link already used, expired or of a
     * revoked user is not sent: it could open nothing.
     */
    async sendCompanySignInLink(input: { linkId: string }): Promise<CompanySignInLinkResult> {
      const found = await linkToSend(db, input.linkId, clock());
      // The workflow is started inside the transaction that makes the link: until it commits the row is not there yet.
      if (found.state === 'missing') throw ApplicationFailure.retryable(`sign-in link ${input.linkId} not (yet) recorded`, 'SignInLinkNotFound');
      if (found.state === 'void') return { status: 'skipped', reason: 'expired_used_or_revoked' };
      const url = signInUrl(config.publicBaseUrl, config.portalSecret, found.link.id);
      const email = renderCompanySignInEmail({
        locale: found.user.locale as Locale,
        companyName: found.companyName,
        purpose: found.link.purpose,
        url,
        minutes: Math.round(SIGN_IN_LINK_TTL_MS / 60_000),
      });
      // `portalUrl` only reaches the dev outbox's log line on a developer's terminal, never a header.
      await mailer.send({ to: found.user.email, ...email, messageId: messageIdForSendKey(`company-sign-in:${found.link.id}`), portalUrl: url });
      return { status: mailer.transport === 'smtp' ? 'sent' : 'outbox' };
    },
  };
}

import { escapeHtml, type Locale } from './templates';

/**
 * The email with a company user's one-time sign-in link to the dashboard: an invitation when the
 * partner adds them, a sign-in link when they ask for one. It says how long the link lives and
 * that it works once, and what to do when the mail was not expected.
 */
export interface CompanySignInContext {
  locale: Locale;
  companyName: string;
  purpose: 'invitation' | 'sign_in';
  url: string;
  minutes: number;
}

interface Texts {
  subject: Record<CompanySignInContext['purpose'], (c: CompanySignInContext) => string>;
  intro: Record<CompanySignInContext['purpose'], (c: CompanySignInContext) => string>;
  button: string;
  validity: (c: CompanySignInContext) => string;
  ignore: string;
}

const texts: Record<Locale, Texts> = {
  en: {
    subject: { invitation: (c) => `You are invited to the ${c.companyName} collections dashboard`, sign_in: (c) => `Your sign-in link for the ${c.companyName} dashboard` },
    intro: {
      invitation: (c) => `You were given access to the collections dashboard of ${c.companyName}: its invoices, payments and imports.`,
      sign_in: (c) => `Here is the link you asked for to sign in to the collections dashboard of ${c.companyName}.`,
    },
    button: 'Sign in',
    validity: (c) => `The link works once and for ${c.minutes} minutes. After that, ask for a new one on the sign-in page.`,
    ignore: 'Did you not expect this email? Then ignore it: nobody can sign in without this link.',
  },
  nl: {
    subject: { invitation: (c) => `U bent uitgenodigd voor het incassodashboard van ${c.companyName}`, sign_in: (c) => `Uw inloglink voor het dashboard van ${c.companyName}` },
    intro: {
      invitation: (c) => `U hebt toegang gekregen tot het incassodashboard van ${c.companyName}: facturen, betalingen en imports.`,
      sign_in: (c) => `Hier is de link die u vroeg om in te loggen op het incassodashboard van ${c.companyName}.`,
    },
    button: 'Inloggen',
    validity: (c) => `De link werkt één keer en ${c.minutes} minuten lang. Daarna vraagt u een nieuwe aan op de inlogpagina.`,
    ignore: 'Verwachtte u deze e-mail niet? Negeer hem dan: zonder deze link kan niemand inloggen.',
  },
  de: {
    subject: { invitation: (c) => `Einladung zum Inkasso-Dashboard von ${c.companyName}`, sign_in: (c) => `Ihr Anmeldelink für das Dashboard von ${c.companyName}` },
    intro: {
      invitation: (c) => `Sie haben Zugang zum Inkasso-Dashboard von ${c.companyName} erhalten: Rechnungen, Zahlungen und Importe.`,
      sign_in: (c) => `Hier ist der angeforderte Link zur Anmeldung im Inkasso-Dashboard von ${c.companyName}.`,
    },
    button: 'Anmelden',
    validity: (c) => `Der Link funktioniert einmal und ${c.minutes} Minuten lang. Danach fordern Sie auf der Anmeldeseite einen neuen an.`,
    ignore: 'Haben Sie diese E-Mail nicht erwartet? Dann ignorieren Sie sie: ohne diesen Link kann sich niemand anmelden.',
  },
  fr: {
    subject: { invitation: (c) => `Invitation au tableau de bord de recouvrement de ${c.companyName}`, sign_in: (c) => `Votre lien de connexion au tableau de bord de ${c.companyName}` },
    intro: {
      invitation: (c) => `Vous avez reçu l’accès au tableau de bord de recouvrement de ${c.companyName} : factures, paiements et imports.`,
      sign_in: (c) => `Voici le lien demandé pour vous connecter au tableau de bord de recouvrement de ${c.companyName}.`,
    },
    button: 'Se connecter',
    validity: (c) => `Le lien fonctionne une seule fois, pendant ${c.minutes} minutes. Ensuite, demandez-en un nouveau sur la page de connexion.`,
    ignore: 'Vous n’attendiez pas cet e-mail ? Ignorez-le : personne ne peut se connecter sans ce lien.',
  },
};

export function renderCompanySignInEmail(c: CompanySignInContext): { subject: string; text: string; html: string } {
  const t = texts[c.locale] ?? texts.en;
  const subject = t.subject[c.purpose](c);
  const intro = t.intro[c.purpose](c);
  const text = `${intro}\n\n${t.button}: ${c.url}\n\n${t.validity(c)}\n\n${t.ignore}\n`;
  const html =
    `<!doctype html><html lang="${c.locale}"><body style="font-family:sans-serif;line-height:1.5">` +
    `<p>${escapeHtml(intro)}</p>` +
    `<p><a href="${escapeHtml(c.url)}" style="display:inline-block;padding:10px 18px;background:#1d4ed8;color:#fff;text-decoration:none;border-radius:4px">${escapeHtml(t.button)}</a></p>` +
    `<p>${escapeHtml(t.validity(c))}</p><p style="color:#555">${escapeHtml(t.ignore)}</p></body></html>`;
  return { subject, text, html };
}

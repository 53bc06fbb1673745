import { Router } from 'express';
import { companyOverview } from '../../services/company-overview';
import { dashboardPage, sendDashboardPage, viewerOf } from './layout';
import { overviewHtml } from './overview-view';
import type { DashboardDeps } from './routes';
import { frameTexts } from './texts';

/** The dashboard's home: the signed-in user's company's numbers, charts and tables (docs/dashboard.md#overview). */
export function overviewDashboardRoutes(deps: DashboardDeps): Router {
  const r = Router();
  r.get('/', async (req, res) => {
    const viewer = viewerOf(req, deps.config.portalSecret);
    const title = frameTexts(viewer.locale).overview;
    // The company is the session's: nothing in the request can name another one.
    const overview = await companyOverview(deps.db, req.userCompany!, deps.clock());
    sendDashboardPage(res, 200, dashboardPage(viewer, { title, current: '/dashboard', body: overviewHtml(overview, viewer.locale, title) }));
  });
  return r;
}

import { imports } from '../../db/schema';
import { createImport, importInvoiceCounts } from '../../services/imports';
import { transmitImport } from '../../services/import-transmission';
import { principalOf } from '../auth';
import { defineRoute } from '../route-definition';
import { partnerListPage } from '../pagination';
import { visibleCompany, visibleImport } from '../scope';
import { importResource } from '../../resources/serializers';
import { importListQuerySchema } from './schemas';

const tag = 'Imports';

export const importRoutes = [
  defineRoute({
    operationId: 'createImport',
    method: 'post',
    path: '/imports',
    tag,
    summary: 'Create an import',
    description: 'Starts `draft`.',
    roles: ['partner', 'ops'],
    body: 'ImportCreate',
    response: { status: 201, description: 'The import', schema: 'Import' },
    handler: async ({ req, res, deps: { db }, body: parsedBody }) => {
      const body = parsedBody();
      const company = await visibleCompany(db, principalOf(req), body.company_id);
      const row = await createImport({ db }, company, body);
      res.status(201).json(importResource(row, {}));
    },
  }),
  defineRoute({
    operationId: 'listImports',
    method: 'get',
    path: '/imports',
    tag,
    summary: 'List imports',
    roles: ['partner', 'ops'],
    query: importListQuerySchema,
    response: { status: 200, description: 'A page of imports, with invoice counts per status', schema: 'ImportPage' },
    handler: async ({ req, res, deps: { db }, query }) => {
      const p = await partnerListPage(db, principalOf(req), imports, query());
      const counts = await importInvoiceCounts({ db }, p.data.map((i) => i.id));
      res.json({ data: p.data.map((i) => importResource(i, counts.get(i.id)!)), next_cursor: p.next_cursor });
    },
  }),
  defineRoute({
    operationId: 'getImport',
    method: 'get',
    path: '/imports/{id}',
    tag,
    summary: 'Get an import',
    roles: ['partner', 'ops'],
    response: { status: 200, description: 'The import, with invoice counts per status', schema: 'Import' },
    handler: async ({ req, res, deps: { db }, param }) => {
      const imp = await visibleImport(db, principalOf(req), param('id'));
      res.json(importResource(imp, (await importInvoiceCounts({ db }, [imp.id])).get(imp.id)!));
    },
  }),
  defineRoute({
    operationId: 'transmitImport',
    method: 'post',
    path: '/imports/{id}/transmit',
    tag,
    summary: 'Transmit an import',
    description: 'Starts collection of every invoice in it: `draft` → `transmitting` → `transmitted`.',
    roles: ['partner', 'ops'],
    response: { status: 202, description: 'Accepted; transmission runs asynchronously', schema: 'Import' },
    errors: [
      { status: 409, description: '`company_not_verified`, or the import was transmitted already' },
      { status: 422, description: '`import_empty`' },
    ],
    handler: async ({ req, res, deps: { db, temporal, taskQueue }, param }) => {
      const imp = await visibleImport(db, principalOf(req), param('id'));
      const fresh = await transmitImport(db, temporal, taskQueue, imp.id);
      res.status(202).json(importResource(fresh, (await importInvoiceCounts({ db }, [imp.id])).get(imp.id)!));
    },
  }),
];

import type { JsonObject, OpenApiDocument } from './document';

/**
 * The human docs at /api/docs: one self-contained HTML page rendered on the server from the
 * OpenAPI document. No script, no font, nothing fetched: it works offline and behind a strict CSP.
 */
export function renderDocsPage(doc: OpenApiDocument, openApiUrl = '/api/v2/openapi.json'): string {
  const info = doc.info as { title: string; version: string; description?: string };
  const server = ((doc.servers as Array<{ url: string }> | undefined)?.[0]?.url ?? '').replace(/\/$/, '');
  const operations = listOperations(doc);
  const tagList = (doc.tags as Array<{ name: string; description?: string }> | undefined) ?? [];
  const schemas = doc.components.schemas;

  const nav = tagList
    .map((tag) => {
      const ops = operations.filter((o) => o.tag === tag.name);
      if (ops.length === 0) return '';
      return `<li><a href="#tag-${slug(tag.name)}">${esc(tag.name)}</a><ul>${ops
        .map((o) => `<li><a href="#op-${esc(o.id)}"><span class="m m-${o.method}">${o.method.toUpperCase()}</span> ${esc(o.path)}</a></li>`)
        .join('')}</ul></li>`;
    })
    .join('');

  const sections = tagList
    .map((tag) => {
      const ops = operations.filter((o) => o.tag === tag.name);
      if (ops.length === 0) return '';
      return `<section class="tag" id="tag-${slug(tag.name)}"><h2>${esc(tag.name)}</h2>${tag.description ? `<p>${inline(tag.description)}</p>` : ''}${ops
        .map((o) => renderOperation(o, server, doc))
        .join('')}</section>`;
    })
    .join('');

  const schemaSection = Object.entries(schemas)
    .map(([name, schema]) => `<section class="schema" id="schema-${esc(name)}"><h3>${esc(name)}</h3>${renderSchema(schema, 0)}</section>`)
    .join('');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(info.title)} — reference</title>
<style>${css}</style>
</head>
<body>
<nav><p class="brand">${esc(info.title)} <small>v${esc(info.version)}</small></p><ul>${nav}<li><a href="#schemas">Schemas</a></li></ul></nav>
<main>
<header><h1>${esc(info.title)}</h1><p>Base URL <code>${esc(server || '/')}</code> · OpenAPI ${esc(doc.openapi)} document: <a href="${esc(openApiUrl)}">${esc(openApiUrl)}</a></p>${paragraphs(info.description ?? '')}</header>
${sections}
<section id="schemas"><h2>Schemas</h2>${schemaSection}</section>
</main>
</body>
</html>`;
}

interface Operation {
  id: string;
  method: string;
  path: string;
  tag: string;
  op: JsonObject;
}

function listOperations(doc: OpenApiDocument): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      out.push({ id: String(op.operationId ?? `${method}-${path}`), method, path, tag: ((op.tags as string[] | undefined) ?? ['Other'])[0]!, op });
    }
  }
  return out;
}

function renderOperation(o: Operation, server: string, doc: OpenApiDocument): string {
  const op = o.op;
  const badges = [
    ...((op['x-roles'] as string[] | undefined)?.length ? (op['x-roles'] as string[]).map((r) => `<span class="badge">${esc(r)}</span>`) : ['<span class="badge open">no key</span>']),
  ].join(' ');
  const params = ((op.parameters as JsonObject[] | undefined) ?? []).map((p) => resolve(p, doc));
  const paramRows = params
    .map(
      (p) =>
        `<tr><td><code>${esc(String(p.name))}</code>${p.required ? ' <span class="req">required</span>' : ''}</td><td>${esc(String(p.in))}</td><td>${typeLabel((p.schema ?? {}) as JsonObject)}${constraints((p.schema ?? {}) as JsonObject)}</td><td>${inline(String(p.description ?? ''))}</td></tr>`,
    )
    .join('');
  const body = op.requestBody as { content: Record<string, { schema: JsonObject }> } | undefined;
  const bodyHtml = body
    ? Object.entries(body.content)
        .map(([media, { schema }]) => `<h4>Request body <code>${esc(media)}</code> ${refLink(schema)}</h4>${renderSchema(resolve(schema, doc), 0)}`)
        .join('')
    : '';
  const responses = Object.entries((op.responses ?? {}) as Record<string, JsonObject>)
    .map(([status, r]) => {
      const resolved = resolve(r, doc);
      const content = resolved.content as Record<string, { schema?: JsonObject }> | undefined;
      const what = content
        ? Object.entries(content)
            .map(([media, c]) => `<code>${esc(media)}</code> ${c.schema ? refLink(c.schema) : ''}`)
            .join(' ')
        : '';
      return `<tr><td class="status s${status[0]}">${esc(status)}</td><td>${inline(String(resolved.description ?? ''))}</td><td>${what}</td></tr>`;
    })
    .join('');
  return `<article class="op" id="op-${esc(o.id)}">
<h3><span class="m m-${o.method}">${o.method.toUpperCase()}</span> <code>${esc(server + o.path)}</code></h3>
<p class="summary">${esc(String(op.summary ?? ''))} ${badges}</p>
${paragraphs(String(op.description ?? ''))}
${paramRows ? `<h4>Parameters</h4><table><thead><tr><th>name</th><th>in</th><th>schema</th><th>description</th></tr></thead><tbody>${paramRows}</tbody></table>` : ''}
${bodyHtml}
<h4>Responses</h4><table><tbody>${responses}</tbody></table>
</article>`;
}

/** Follows a local `$ref` (`#/components/...`) one step. */
function resolve(node: JsonObject, doc: OpenApiDocument): JsonObject {
  const ref = node.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return node;
  let target: unknown = doc;
  for (const part of ref.slice(2).split('/')) target = (target as JsonObject | undefined)?.[decodeURIComponent(part.replace(/~1/g, '/').replace(/~0/g, '~'))];
  return (target as JsonObject | undefined) ?? node;
}

function refLink(schema: JsonObject): string {
  const ref = schema.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
    const name = ref.slice('#/components/schemas/'.length);
    return `<a href="#schema-${esc(name)}">${esc(name)}</a>`;
  }
  return typeLabel(schema);
}

const MAX_DEPTH = 4;

/** A schema as a table of its fields; nested objects inline, named schemas as links. */
function renderSchema(schema: JsonObject, depth: number): string {
  const description = typeof schema.description === 'string' ? `<p>${inline(schema.description)}</p>` : '';
  const variants = (schema.anyOf ?? schema.oneOf) as JsonObject[] | undefined;
  if (variants && !schema.properties) {
    return `${description}<p>One of:</p><ol class="variants">${variants.map((v) => `<li>${v.$ref ? refLink(v) : renderSchema(v, depth + 1)}</li>`).join('')}</ol>`;
  }
  const properties = schema.properties as Record<string, JsonObject> | undefined;
  if (!properties) return `${description}<p>${typeLabel(schema)}${constraints(schema)}</p>`;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const rows = Object.entries(properties)
    .map(([name, prop]) => {
      const nested = depth < MAX_DEPTH ? nestedObject(prop) : undefined;
      return `<tr><td><code>${esc(name)}</code>${required.has(name) ? ' <span class="req">required</span>' : ''}</td><td>${typeLabel(prop)}${constraints(prop)}${
        typeof prop.description === 'string' ? `<div class="desc">${inline(prop.description)}</div>` : ''
      }${nested ? renderSchema(nested, depth + 1) : ''}</td></tr>`;
    })
    .join('');
  const extraRule = (schema.anyOf as JsonObject[] | undefined)?.every((v) => Array.isArray(v.required))
    ? `<p class="desc">At least one of: ${(schema.anyOf as JsonObject[]).map((v) => `<code>${esc((v.required as string[]).join(' + '))}</code>`).join(', ')}.</p>`
    : '';
  return `${description}${extraRule}<table class="fields"><tbody>${rows}</tbody></table>`;
}

/** The object to expand under a field: an inline object, or the items of an array of inline objects. */
function nestedObject(prop: JsonObject): JsonObject | undefined {
  if (prop.properties) return prop;
  const items = prop.items as JsonObject | undefined;
  if (items?.properties) return items;
  return undefined;
}

function typeLabel(schema: JsonObject): string {
  if (typeof schema.$ref === 'string') return refLink(schema);
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((v) => `<code>${esc(JSON.stringify(v))}</code>`).join(' ')}`;
  if ('const' in schema) return `<code>${esc(JSON.stringify(schema.const))}</code>`;
  const variants = (schema.anyOf ?? schema.oneOf) as JsonObject[] | undefined;
  if (variants && !schema.type) return variants.map(typeLabel).join(' or ');
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : schema.type ? [String(schema.type)] : [];
  const label = types
    .map((t) => {
      if (t === 'array') {
        const items = schema.items as JsonObject | undefined;
        return `array of ${items ? (items.properties ? 'objects' : typeLabel(items)) : 'anything'}`;
      }
      if (t === 'object' && schema.additionalProperties && !schema.properties) {
        const values = schema.additionalProperties as JsonObject;
        return `object of ${Object.keys(values).length ? typeLabel(values) : 'any values'}`;
      }
      return esc(t);
    })
    .join(' or ');
  return label || 'any';
}

function constraints(schema: JsonObject): string {
  const parts: string[] = [];
  const add = (label: string, key: string) => {
    if (schema[key] !== undefined) parts.push(`${label} ${esc(JSON.stringify(schema[key]))}`);
  };
  if (typeof schema.format === 'string') parts.push(`format ${esc(schema.format)}`);
  else if (typeof schema.pattern === 'string') parts.push(`pattern <code>${esc(schema.pattern)}</code>`);
  if (typeof schema.contentMediaType === 'string') parts.push(`file (${esc(schema.contentMediaType)})`);
  add('min length', 'minLength');
  add('max length', 'maxLength');
  add('≥', 'minimum');
  add('>', 'exclusiveMinimum');
  add('≤', 'maximum');
  add('min items', 'minItems');
  add('max items', 'maxItems');
  add('default', 'default');
  // zod writes the safe-integer range on every integer: it says nothing to a reader.
  const noise = ['≥ -9007199254740991', '≤ 9007199254740991'];
  const shown = parts.filter((p) => !noise.includes(p));
  return shown.length ? ` <span class="constraints">${shown.join(' · ')}</span>` : '';
}

function paragraphs(text: string): string {
  return text
    .split(/\n{2,}/)
    .filter((p) => p.trim())
    .map((p) => `<p>${inline(p)}</p>`)
    .join('');
}

/** Escapes, then turns `code` spans into <code>. */
function inline(text: string): string {
  return esc(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const css = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;background:#fff;display:flex}
nav{position:sticky;top:0;height:100vh;overflow-y:auto;overflow-x:hidden;width:320px;flex:none;background:#f5f6f8;border-right:1px solid #e2e5ea;padding:12px 10px;font-size:12.5px}
nav ul{list-style:none;margin:0;padding:0}
nav li li{margin:2px 0 2px 8px}
nav>ul>li{margin:10px 0 4px}
nav>ul>li>a{font-weight:600}
nav a{color:#1d2330;text-decoration:none}
nav li li a{display:block;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
nav .m{min-width:46px;line-height:1.6}
nav a:hover{text-decoration:underline}
.brand{font-weight:700;font-size:15px;margin:0 0 8px}
main{flex:1;min-width:0;padding:16px 32px 64px;max-width:1100px}
h1{margin:8px 0}
h2{margin:40px 0 8px;padding-bottom:4px;border-bottom:2px solid #e2e5ea}
h3{margin:0 0 4px;font-size:17px;word-break:break-all}
h4{margin:14px 0 6px;font-size:14px}
.op{border:1px solid #e2e5ea;border-radius:6px;padding:14px 16px;margin:16px 0}
.schema{border-left:3px solid #e2e5ea;padding:2px 12px;margin:14px 0}
code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f1f3f5;padding:1px 4px;border-radius:3px;word-break:break-all}
table{border-collapse:collapse;width:100%;font-size:14px}
td,th{border-top:1px solid #eceef1;padding:5px 8px;text-align:left;vertical-align:top}
th{font-size:12px;color:#5b6474;text-transform:uppercase}
td:first-child{white-space:nowrap}
td:first-child code{word-break:normal}
.fields .fields{margin-top:6px;background:#fafbfc}
.m{display:inline-block;min-width:54px;text-align:center;font:700 11px/1.8 ui-monospace,monospace;border-radius:3px;color:#fff;padding:0 4px}
.m-get{background:#2f7d32}.m-post{background:#1f5fbf}.m-put{background:#8a5a00}.m-patch{background:#6b3fa0}.m-delete{background:#b3261e}
.badge{display:inline-block;font-size:11px;border:1px solid #c9ced6;border-radius:10px;padding:0 7px;color:#3f4756}
.badge.open{border-color:#2f7d32;color:#2f7d32}
.req{font-size:11px;color:#b3261e}
.constraints,.desc{color:#5b6474;font-size:13px}
.status{font-weight:700;font-family:ui-monospace,monospace;width:60px}
.s2{color:#2f7d32}.s4{color:#b3261e}.s5{color:#b3261e}
.summary{margin:2px 0 6px;font-weight:500}
@media (max-width:800px){body{display:block}nav{position:static;width:auto;height:auto}main{padding:12px}}
`;

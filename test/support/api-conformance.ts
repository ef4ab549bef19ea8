import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/** The parts of an OpenAPI 3.1 document the checker reads (the document is plain JSON). */
type Json = Record<string, unknown>;
interface Reference {
  $ref: string;
}

/** One answer as a client saw it. `body` is the text of the body, undefined when it could not be read. */
export interface Exchange {
  method: string;
  url: string;
  status: number;
  headers: Headers;
  body: string | undefined;
}

/** What the document says about a request. */
export type Expectation =
  | { kind: 'operation'; template: string; operation: Json; head: boolean }
  /** A method the path does not list: 405 with `Allow` (501 for a method no route of the router implements). */
  | { kind: 'other-method'; template: string; allowed: Set<string> }
  | { kind: 'options'; template: string; allowed: Set<string> };

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
/** @koa/router's default `methods`: a method outside it on a routed path is a 501, inside it a 405. */
const ROUTER_METHODS = new Set(['HEAD', 'OPTIONS', 'GET', 'PUT', 'PATCH', 'POST', 'DELETE']);
/** The id the component schemas are registered under; `#/components/schemas/X` refs are rewritten to it. */
const COMPONENTS_ID = 'https://openapi.invalid/components.json';

function isReference(value: unknown): value is Reference {
  return typeof value === 'object' && value !== null && typeof (value as Reference).$ref === 'string';
}

/** A copy of `schema` whose component refs point at the registered components. */
function rewriteRefs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rewriteRefs);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [
      key,
      key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')
        ? `${COMPONENTS_ID}#/$defs/${value.slice('#/components/schemas/'.length)}`
        : rewriteRefs(value),
    ]),
  );
}

function mediaTypeOf(contentType: string | null): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
}

function methodList(header: string | null): Set<string> {
  return new Set((header ?? '').split(',').map((m) => m.trim().toUpperCase()).filter(Boolean));
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

/**
 * Checks answers against an OpenAPI 3.1 document: the status is one the operation declares (exactly, by range such
 * as `5XX`, or `default`), the required headers are there and every declared header matches its schema, the content
 * type is a declared one, a JSON body is valid against its schema (ajv, JSON Schema 2020-12, formats checked) and a
 * response declared without content has none. Methods a path does not list must answer like the
 * `MethodNotAllowed` / `NotImplemented` components, `OPTIONS` with `Allow`. Paths outside the document are not
 * checked. Pure: it sees only the document and the exchange.
 */
export class ApiConformance {
  private readonly ajv: Ajv2020;
  private readonly validators = new WeakMap<object, ValidateFunction>();
  private readonly routes: Array<{ template: string; pattern: RegExp; params: number; item: Json }>;
  /** The server URL's path: every path of the document is served under it. */
  readonly prefix: string;

  constructor(readonly document: Json) {
    this.ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(this.ajv);
    // OpenAPI's own schema keywords, meaningless to validation.
    this.ajv.addVocabulary(['example', 'discriminator', 'xml', 'externalDocs']);
    const components = (document.components ?? {}) as Json;
    this.ajv.addSchema({ $id: COMPONENTS_ID, $defs: rewriteRefs(components.schemas ?? {}) as Json });
    const server = ((document.servers as Array<{ url: string }> | undefined) ?? [])[0]?.url ?? '';
    this.prefix = server.replace(/\/+$/, '');
    this.routes = Object.entries((document.paths ?? {}) as Record<string, Json>)
      .map(([template, item]) => {
        const parts = template.split(/(\{[^}]+\})/).filter(Boolean);
        const source = parts.map((part) => (part.startsWith('{') ? '([^/]+)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
        // The router is not strict about a trailing slash.
        return { template, pattern: new RegExp(`^${source}/?$`), params: parts.filter((p) => p.startsWith('{')).length, item };
      })
      // A literal path before a templated one that could also match it.
      .sort((a, b) => a.params - b.params);
  }

  /** What the document says about `method` on `pathname` (the URL's path, prefix included); undefined: no such path. */
  expectationOf(method: string, pathname: string): Expectation | undefined {
    if (this.prefix && !(pathname === this.prefix || pathname.startsWith(`${this.prefix}/`))) return undefined;
    const path = pathname.slice(this.prefix.length) || '/';
    const route = this.routes.find((r) => r.pattern.test(path));
    if (route === undefined) return undefined;
    const declared = HTTP_METHODS.filter((m) => route.item[m] !== undefined);
    const allowed = new Set(declared.map((m) => m.toUpperCase()));
    if (allowed.has('GET')) allowed.add('HEAD');
    const upper = method.toUpperCase();
    const lower = method.toLowerCase() as (typeof HTTP_METHODS)[number];
    if (route.item[lower] !== undefined) return { kind: 'operation', template: route.template, operation: route.item[lower] as Json, head: false };
    if (upper === 'HEAD' && route.item.get !== undefined) return { kind: 'operation', template: route.template, operation: route.item.get as Json, head: true };
    if (upper === 'OPTIONS') return { kind: 'options', template: route.template, allowed };
    return { kind: 'other-method', template: route.template, allowed };
  }

  /** Whether checking this answer needs its body (it does for every documented JSON answer). */
  needsBody(method: string, pathname: string, contentType: string | null): boolean {
    const expectation = this.expectationOf(method, pathname);
    if (expectation === undefined || (expectation.kind === 'operation' && expectation.head)) return false;
    const media = mediaTypeOf(contentType);
    return media === undefined || media === 'application/json' || media.endsWith('+json');
  }

  /** What is wrong with an answer, each problem a sentence; empty when it conforms (or its path is not documented). */
  check(exchange: Exchange): string[] {
    const url = new URL(exchange.url);
    const expectation = this.expectationOf(exchange.method, url.pathname);
    if (expectation === undefined) return [];
    const where = `${exchange.method} ${url.pathname}${url.search} → ${exchange.status}`;
    const problems = this.problemsOf(exchange, expectation).map((problem) => `${where}: ${problem} (document: ${expectation.template})`);
    return problems;
  }

  private problemsOf(exchange: Exchange, expectation: Expectation): string[] {
    const components = (this.document.components ?? {}) as Json;
    const responses = (components.responses ?? {}) as Json;
    if (expectation.kind === 'options') {
      const problems: string[] = [];
      if (exchange.status !== 200) problems.push('OPTIONS must answer 200');
      if (!sameSet(methodList(exchange.headers.get('allow')), expectation.allowed)) {
        problems.push(`Allow is "${exchange.headers.get('allow')}", the document lists ${[...expectation.allowed].join(', ')}`);
      }
      return problems;
    }
    if (expectation.kind === 'other-method') {
      const expected = ROUTER_METHODS.has(exchange.method.toUpperCase()) ? 405 : 501;
      if (exchange.status !== expected) return [`a method the path does not list must answer ${expected}`];
      const response = this.resolve(responses[expected === 405 ? 'MethodNotAllowed' : 'NotImplemented']) as Json | undefined;
      if (response === undefined) return [`the document has no components/responses for ${expected}`];
      const problems = this.responseProblems(exchange, response, false);
      if (expected === 405 && !sameSet(methodList(exchange.headers.get('allow')), expectation.allowed)) {
        problems.push(`Allow is "${exchange.headers.get('allow')}", the document lists ${[...expectation.allowed].join(', ')}`);
      }
      return problems;
    }
    const declared = (expectation.operation.responses ?? {}) as Json;
    const status = String(exchange.status);
    const entry = declared[status] ?? declared[`${status[0]}XX`] ?? declared.default;
    if (entry === undefined) return [`status ${status} is not declared (declared: ${Object.keys(declared).join(', ')})`];
    return this.responseProblems(exchange, this.resolve(entry) as Json, expectation.head);
  }

  private responseProblems(exchange: Exchange, response: Json, head: boolean): string[] {
    const problems: string[] = [];
    for (const [name, raw] of Object.entries((response.headers ?? {}) as Json)) {
      const header = this.resolve(raw) as Json;
      const value = exchange.headers.get(name);
      if (value === null) {
        if (header.required === true) problems.push(`header ${name} is required`);
        continue;
      }
      if (header.schema !== undefined) problems.push(...this.schemaProblems(header.schema as Json, value, `header ${name}`));
    }
    const content = response.content as Json | undefined;
    const body = exchange.body;
    if (content === undefined) {
      if (!head && body !== undefined && body !== '') problems.push(`no content is declared, the answer has a body: ${body.slice(0, 200)}`);
      return problems;
    }
    const media = mediaTypeOf(exchange.headers.get('content-type'));
    const key = Object.keys(content).find((k) => {
      const declared = k.split(';')[0]?.trim().toLowerCase() ?? '';
      return declared === media || declared === '*/*' || (declared.endsWith('/*') && media?.startsWith(declared.slice(0, -1)));
    });
    if (key === undefined) {
      problems.push(`content type ${media ?? '(none)'} is not declared (declared: ${Object.keys(content).join(', ')})`);
      return problems;
    }
    if (head || body === undefined || !(key === 'application/json' || key.endsWith('+json'))) return problems;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      problems.push(`the body is not JSON: ${body.slice(0, 200)}`);
      return problems;
    }
    const schema = (content[key] as Json).schema as Json | undefined;
    if (schema !== undefined) problems.push(...this.schemaProblems(schema, parsed, 'body'));
    return problems;
  }

  /** Whether `value` is valid against `schema` (a Schema Object of the document, refs to its components allowed). */
  isValid(schema: Json, value: unknown): boolean {
    return this.validatorOf(schema)(value);
  }

  private validatorOf(schema: Json): ValidateFunction {
    let validate = this.validators.get(schema);
    if (validate === undefined) {
      validate = this.ajv.compile(rewriteRefs(schema) as Json);
      this.validators.set(schema, validate);
    }
    return validate;
  }

  private schemaProblems(schema: Json, value: unknown, what: string): string[] {
    const validate = this.validatorOf(schema);
    if (validate(value)) return [];
    const shown = JSON.stringify(value);
    return [`${what} ${shown.length > 300 ? `${shown.slice(0, 300)}…` : shown} does not match: ${this.ajv.errorsText(validate.errors, { dataVar: what })}`];
  }

  /** Follows `$ref`s to `#/components/…` of the document. */
  resolve(value: unknown): unknown {
    let current = value;
    for (let depth = 0; isReference(current) && depth < 10; depth++) {
      const ref: string = current.$ref;
      if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported: ${ref}`);
      current = ref
        .slice(2)
        .split('/')
        .reduce<unknown>((node, part) => (node as Json | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], this.document);
    }
    return current;
  }
}

/**
 * The API contract at run time: `openapi.yaml` (OpenAPI 3.1, repo root) is
 * loaded with the `yaml` package when the app is created, and every request
 * schema the handlers check is compiled by ajv (JSON Schema 2020-12) from it,
 * so the document and the validation cannot drift apart.
 *
 * - Request bodies that fail their schema → SCHEMA_INVALID (422), whose
 *   message names the field and why.
 * - Path and query parameters that fail theirs → BAD_REQUEST (400): a
 *   malformed request line (Rekor answers a malformed entry ID with 400).
 * - Response schemas are compiled on demand (`responseValidator`); tests
 *   check real responses against them.
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { LogError } from '../errors.js';
import { describeError, describeErrors, fieldName, fieldOf, firstError } from './schema-errors.js';

/** Base URI under which the document's schemas are registered with ajv. */
const BASE = 'cairn:openapi';
/** OpenAPI keywords that are not JSON Schema: registered as annotations so ajv stays strict. */
const OPENAPI_KEYWORDS = ['openapi', 'info', 'servers', 'security', 'paths', 'components', 'tags', 'discriminator', 'xml', 'externalDocs', 'example'];
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

interface ParamSpec {
  readonly name: string;
  readonly in: 'path' | 'query';
  readonly required: boolean;
  /** `integer` parameters arrive as strings and are converted before validation. */
  readonly integer: boolean;
  readonly validate: ValidateFunction;
}

interface OperationSpec {
  readonly method: string;
  readonly path: string;
  readonly params: readonly ParamSpec[];
  readonly body: ValidateFunction | undefined;
  /** JSON pointer of the operation object in the document. */
  readonly pointer: string;
}

/** A request checked against its operation: parameters converted to their schema types. */
export interface CheckedRequest {
  readonly params: Readonly<Record<string, unknown>>;
  readonly body: unknown;
}

/** What a handler passes to `checkRequest` (a route's RequestParts has these fields). */
export interface RequestParts {
  readonly params?: Readonly<Record<string, unknown>>;
  readonly query?: unknown;
  readonly body?: unknown;
}

/** SCHEMA_INVALID for an operation with a request body that came without a JSON one. */
export function missingBody(): LogError {
  return new LogError('SCHEMA_INVALID', 'request body is missing: send JSON with Content-Type: application/json');
}

export class ApiSpec {
  /** The document as served at GET /openapi.yaml. */
  readonly text: string;
  /** The parsed document. */
  readonly doc: Readonly<Record<string, unknown>>;
  readonly #ajv: Ajv2020;
  readonly #ops = new Map<string, OperationSpec>();

  constructor(text: string) {
    this.text = text;
    this.doc = parseYaml(text) as Record<string, unknown>;
    this.#ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: false, verbose: true });
    this.#ajv.addVocabulary(OPENAPI_KEYWORDS);
    this.#ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
    this.#ajv.addSchema({ $id: BASE, ...this.doc });
    this.#compileOperations();
  }

  /** Operation IDs declared in the document, each with its method and path template. */
  operations(): Array<{ operationId: string; method: string; path: string }> {
    return [...this.#ops].map(([operationId, o]) => ({ operationId, method: o.method, path: o.path }));
  }

  /**
   * Validate a request against operation `operationId`. Returns the parameters
   * converted to their schema types (integers as numbers) and the body.
   * Throws BAD_REQUEST for a bad parameter, SCHEMA_INVALID for a bad body.
   */
  checkRequest(operationId: string, req: RequestParts): CheckedRequest {
    const op = this.#op(operationId);
    const params: Record<string, unknown> = {};
    for (const p of op.params) {
      const source = (p.in === 'path' ? req.params : (req.query as Record<string, unknown> | undefined)) ?? {};
      let value = source[p.name];
      if (value === undefined) {
        if (p.required) throw new LogError('BAD_REQUEST', `${p.in} parameter "${p.name}" is required`);
        continue;
      }
      if (p.integer && typeof value === 'string' && /^[0-9]{1,20}$/.test(value)) value = Number(value);
      if (!p.validate(value)) {
        throw new LogError('BAD_REQUEST', `${p.in} parameter "${p.name}" ${describeErrors(p.validate.errors)} (got ${JSON.stringify(value)})`, {
          details: { parameter: p.name },
        });
      }
      params[p.name] = value;
    }
    if (op.body !== undefined) {
      if (req.body === undefined) throw missingBody();
      if (!op.body(req.body)) {
        const err = firstError(op.body.errors);
        throw new LogError('SCHEMA_INVALID', `request body${fieldOf(err)} ${describeError(err)}`, {
          details: { ...(fieldName(err) === '' ? {} : { field: fieldName(err) }), rule: err?.keyword },
        });
      }
    }
    return { params, body: req.body };
  }

  /** Validator of `components.schemas.<name>`. */
  schema(name: string): ValidateFunction {
    return this.#get(`/components/schemas/${name}`);
  }

  /** True when the document declares a response of `operationId` for `status` (or `default`) in `mediaType`. */
  documentsResponse(operationId: string, status: number, mediaType: string): boolean {
    return this.#responseContent(operationId, status)?.content[mediaType] !== undefined;
  }

  /**
   * Validator of the response schema of `operationId` for `status` (or
   * `default`) and media type, following `$ref`s to components.responses.
   * Undefined when the document declares no schema for it.
   */
  responseValidator(operationId: string, status: number, mediaType: string): ValidateFunction | undefined {
    const r = this.#responseContent(operationId, status);
    if (r === undefined || r.content[mediaType] === undefined) return undefined;
    const schemaPointer = `${r.pointer}/content/${escapePointer(mediaType)}/schema`;
    return this.#at(schemaPointer) === undefined ? undefined : this.#get(schemaPointer);
  }

  #responseContent(operationId: string, status: number): { pointer: string; content: Record<string, unknown> } | undefined {
    const op = this.#op(operationId);
    const responses = (this.#at(op.pointer) as { responses?: Record<string, unknown> }).responses ?? {};
    const key = String(status) in responses ? String(status) : 'default' in responses ? 'default' : undefined;
    if (key === undefined) return undefined;
    let pointer = `${op.pointer}/responses/${escapePointer(key)}`;
    const ref = (this.#at(pointer) as { $ref?: string }).$ref;
    if (ref !== undefined) pointer = ref.replace(/^#/, '');
    return { pointer, content: (this.#at(pointer) as { content?: Record<string, unknown> }).content ?? {} };
  }

  #compileOperations(): void {
    const paths = (this.doc['paths'] ?? {}) as Record<string, Record<string, unknown>>;
    for (const [path, item] of Object.entries(paths)) {
      for (const method of METHODS) {
        const op = item[method] as { operationId?: string; parameters?: unknown[]; requestBody?: unknown } | undefined;
        if (op === undefined) continue;
        if (op.operationId === undefined) throw new Error(`openapi.yaml: ${method} ${path} has no operationId`);
        const pointer = `/paths/${escapePointer(path)}/${method}`;
        const params = (op.parameters ?? []).map((_, i) => this.#param(`${pointer}/parameters/${i}`));
        let body: ValidateFunction | undefined;
        if (op.requestBody !== undefined) body = this.#get(`${pointer}/requestBody/content/application~1json/schema`);
        this.#ops.set(op.operationId, { method, path, params, body, pointer });
      }
    }
  }

  #param(pointer: string): ParamSpec {
    const ref = (this.#at(pointer) as { $ref?: string }).$ref;
    const at = ref === undefined ? pointer : ref.replace(/^#/, '');
    const p = this.#at(at) as { name: string; in: string; required?: boolean; schema?: { type?: string } };
    if (p.in !== 'path' && p.in !== 'query') throw new Error(`openapi.yaml: parameter ${p.name} in ${p.in} is not supported`);
    return {
      name: p.name,
      in: p.in,
      required: p.required === true,
      integer: p.schema?.type === 'integer',
      validate: this.#get(`${at}/schema`),
    };
  }

  #op(operationId: string): OperationSpec {
    const op = this.#ops.get(operationId);
    if (op === undefined) throw new Error(`openapi.yaml has no operation ${operationId}`);
    return op;
  }

  #get(pointer: string): ValidateFunction {
    const v = this.#ajv.getSchema(`${BASE}#${encodePointer(pointer)}`);
    if (v === undefined) throw new Error(`openapi.yaml: no schema at ${pointer}`);
    return v;
  }

  #at(pointer: string): unknown {
    let node: unknown = this.doc;
    for (const part of pointer.split('/').slice(1)) {
      node = (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    return node;
  }
}

const cache = new Map<string, ApiSpec>();

/**
 * Load (once per process and path) and compile openapi.yaml. Without `path`,
 * the file is looked up from this module's directory upwards (the repo root
 * in a checkout, /app in the container). Throws when it is missing or invalid.
 */
export function loadApiSpec(path?: string): ApiSpec {
  const file = path ?? findSpec();
  let spec = cache.get(file);
  if (spec === undefined) {
    spec = new ApiSpec(readFileSync(file, 'utf8'));
    cache.set(file, spec);
  }
  return spec;
}

function findSpec(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'openapi.yaml');
    if (existsSync(candidate)) return candidate;
    dir = resolve(dir, '..');
  }
  throw new Error("couldn't find openapi.yaml above src/api");
}

function escapePointer(part: string): string {
  return part.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** A JSON pointer as a URI fragment (path templates hold `{` and `}`). */
function encodePointer(pointer: string): string {
  return pointer.split('/').map(encodeURIComponent).join('/');
}

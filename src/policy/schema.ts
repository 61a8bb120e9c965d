/**
 * The policy file's schema (JSON Schema draft-07, checked by ajv) and its
 * validation errors in the settings' own words: the file, the path in it
 * (`rules[1].minWitnesses`) and what is wrong. README "Policy file"
 * documents every key.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/** The policy file as written (after YAML/JSON parsing and schema validation). */
export interface PolicyDocument {
  readonly rules: readonly RuleDocument[];
  readonly default?: 'deny' | 'allow';
  readonly exemptNamespaces?: readonly string[];
}

export interface RuleDocument {
  readonly images: readonly string[];
  readonly keys?: readonly string[];
  readonly identities?: readonly IdentityDocument[];
  readonly log: { readonly publicKey: string | readonly string[]; readonly url?: string };
  readonly witnesses?: readonly string[];
  readonly minWitnesses?: number;
  readonly attestations?: ReadonlyArray<string | AttestationDocument>;
  readonly mode?: 'enforce' | 'warn';
  readonly insecureRegistry?: boolean;
  readonly registryCA?: string;
}

export interface IdentityDocument {
  readonly issuer: string;
  readonly subject: string;
}

export interface AttestationDocument {
  readonly predicateType: string;
  readonly keys?: readonly string[];
}

const nonEmpty = { type: 'string', minLength: 1 } as const;
const stringList = { type: 'array', items: nonEmpty } as const;

export const POLICY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['rules'],
  properties: {
    rules: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['images', 'log'],
        anyOf: [{ required: ['keys'] }, { required: ['identities'] }],
        properties: {
          images: { ...stringList, minItems: 1 },
          keys: stringList,
          identities: {
            type: 'array',
            items: { type: 'object', additionalProperties: false, required: ['issuer', 'subject'], properties: { issuer: nonEmpty, subject: nonEmpty } },
          },
          log: {
            type: 'object',
            additionalProperties: false,
            required: ['publicKey'],
            properties: {
              publicKey: { anyOf: [nonEmpty, { ...stringList, minItems: 1 }] },
              url: { type: 'string', pattern: '^https?://' },
            },
          },
          witnesses: stringList,
          minWitnesses: { type: 'integer', minimum: 0 },
          attestations: {
            type: 'array',
            items: {
              anyOf: [
                nonEmpty,
                { type: 'object', additionalProperties: false, required: ['predicateType'], properties: { predicateType: nonEmpty, keys: { ...stringList, minItems: 1 } } },
              ],
            },
          },
          mode: { enum: ['enforce', 'warn'] },
          insecureRegistry: { type: 'boolean' },
          registryCA: nonEmpty,
        },
      },
    },
    default: { enum: ['deny', 'allow'] },
    exemptNamespaces: stringList,
  },
} as const;

let compiled: ValidateFunction | undefined;

/** Validates `doc`; returns undefined when it is a policy, else one message: `rules[1].minWitnesses: must be …`. */
export function checkPolicyDocument(doc: unknown): string | undefined {
  compiled ??= new Ajv({ allErrors: false, strict: true, strictRequired: false }).compile(POLICY_SCHEMA);
  if (compiled(doc)) return undefined;
  const err = pickError(compiled.errors ?? []);
  if (err === undefined) return 'is not a policy';
  const where = pathOf(err);
  return `${where === '' ? 'the policy' : where}: ${wording(err)}`;
}

/**
 * The error to show: ajv reports a failed `anyOf` after its branches' errors;
 * the alternative as a whole reads better than its first branch.
 */
function pickError(errors: readonly ErrorObject[]): ErrorObject | undefined {
  const first = errors[0];
  if (first === undefined) return undefined;
  return errors.find((e) => e.keyword === 'anyOf' && first.schemaPath.startsWith(`${e.schemaPath}/`)) ?? first;
}

/** `rules[1].log.publicKey`; the missing or unknown property is named too. */
function pathOf(err: ErrorObject): string {
  const parts = err.instancePath === '' ? [] : err.instancePath.slice(1).split('/');
  if (err.keyword === 'required') parts.push(String(err.params['missingProperty']));
  if (err.keyword === 'additionalProperties') parts.push(String(err.params['additionalProperty']));
  let out = '';
  for (const raw of parts) {
    const p = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(p) ? `[${p}]` : out === '' ? p : `.${p}`;
  }
  return out;
}

function wording(err: ErrorObject): string {
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a policy setting here (see README "Policy file")';
    case 'enum':
      return `must be ${(p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(' or ')}`;
    case 'type':
      return `must be ${article(String(p['type']))}`;
    case 'minItems':
      return `must list at least ${String(p['limit'])} ${p['limit'] === 1 ? 'item' : 'items'}`;
    case 'minLength':
      return 'must not be empty';
    case 'minimum':
      return `must be ${String(p['limit'])} or more`;
    case 'pattern':
      return 'must be an http:// or https:// URL';
    case 'anyOf':
      return anyOfWording(err);
    default:
      return err.message ?? 'is invalid';
  }
}

function anyOfWording(err: ErrorObject): string {
  const path = err.schemaPath;
  if (path === '#/properties/rules/items/anyOf') return 'must be given keys, identities, or both';
  if (path.includes('/publicKey/')) return 'must be a public key file, or a list of them';
  if (path.includes('/attestations/')) return 'must be a predicate type, or {predicateType, keys}';
  return 'is invalid';
}

function article(type: string): string {
  const names: Record<string, string> = { integer: 'a whole number', string: 'a string', array: 'a list', object: 'a mapping', boolean: 'true or false', number: 'a number' };
  return names[type] ?? type;
}

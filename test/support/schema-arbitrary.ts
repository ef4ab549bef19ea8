import fc from 'fast-check';
import type { ApiConformance } from './api-conformance';

type Json = Record<string, any>;

/**
 * fast-check arbitraries read from the JSON Schemas of an OpenAPI document (the subset this API uses: `$ref`,
 * `anyOf`/`oneOf`, `enum`, `const`, `type` (one or several), string lengths and `pattern`, integer bounds, arrays with
 * `maxItems`, objects with `required`): `valid` values the schema accepts and `invalid` ones it refuses, each confirmed
 * by the document's own validator, so a generator bug cannot pass for a server bug.
 *
 * Lengths: the document says lengths count UTF-16 code units (as the server's zod does), while JSON Schema counts code
 * points; valid strings keep within the bound in code units (so within it either way) and too-long strings are
 * ASCII, so the two readings never disagree on a generated value.
 */
export class SchemaArbitraries {
  constructor(private readonly api: ApiConformance) {}

  valid(schema: Json): fc.Arbitrary<unknown> {
    return this.validRaw(schema).filter((value) => this.api.isValid(schema, value));
  }

  invalid(schema: Json): fc.Arbitrary<unknown> {
    return this.invalidRaw(schema).filter((value) => !this.api.isValid(schema, value));
  }

  /**
   * Values of a query parameter as they travel, strings: `valid` ones the schema accepts once read as its type, `invalid`
   * ones it refuses. An integer is written in canonical decimal only; forms whose reading is a matter of taste (`5.0`,
   * `1e3`, `+5`, `05`) are generated neither way.
   */
  queryValues(raw: Json): { valid: fc.Arbitrary<string>; invalid: fc.Arbitrary<string> } {
    const schema = this.resolved(raw);
    if (schema.type === 'integer') {
      const numeric = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
      return {
        valid: this.valid(schema).map((n) => String(n)),
        invalid: fc.oneof(
          this.invalid(schema).filter((v) => typeof v === 'number').map((n) => String(n)),
          fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !numeric.test(s.trim())),
          fc.constantFrom('true', 'null', '[]', '0x10', '-', 'ten', '1,2'),
        ),
      };
    }
    if (schema.type === 'string' || schema.enum) {
      return {
        valid: this.valid(schema).map((s) => String(s)),
        invalid: this.invalid(schema).filter((v): v is string => typeof v === 'string' && v !== ''),
      };
    }
    throw new Error(`no query values for a schema of type ${String(schema.type)}`);
  }

  private resolved(schema: Json): Json {
    return this.api.resolve(schema) as Json;
  }

  private validRaw(raw: Json): fc.Arbitrary<unknown> {
    const schema = this.resolved(raw);
    const branches = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
    if (branches) return fc.oneof(...branches.map((branch) => this.validRaw(branch)));
    if (schema.const !== undefined) return fc.constant(schema.const);
    if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]));
    if (Array.isArray(schema.type)) return fc.oneof(...(schema.type as string[]).map((type) => this.validRaw({ ...schema, type })));
    switch (schema.type) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer':
      case 'number': {
        const min = (schema.minimum as number | undefined) ?? Number.MIN_SAFE_INTEGER;
        const max = (schema.maximum as number | undefined) ?? Number.MAX_SAFE_INTEGER;
        // The bounds themselves, and values near the small end, as often as anything else.
        return fc.oneof(fc.constantFrom(min, max), fc.integer({ min, max: Math.min(max, min + 1000) }), fc.integer({ min, max }));
      }
      case 'string':
        return this.validString(schema);
      case 'array': {
        const items = this.validRaw(schema.items as Json);
        return fc.array(items, { minLength: schema.minItems ?? 0, maxLength: schema.maxItems ?? 10 });
      }
      case 'object': {
        const properties = (schema.properties ?? {}) as Record<string, Json>;
        const model = Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, this.validRaw(property)]));
        const record = fc.record(model, { requiredKeys: (schema.required ?? []) as string[] });
        if (schema.additionalProperties === false) return record;
        // Fields the schema does not name are allowed (ignored by the server): sometimes send some.
        return fc.tuple(record, fc.dictionary(fc.string({ maxLength: 12 }).filter((key) => !(key in properties) && key !== '__proto__'), fc.jsonValue(), { maxKeys: 3 }))
          .map(([known, extra]) => ({ ...extra, ...known }));
      }
      default:
        return fc.jsonValue();
    }
  }

  private validString(schema: Json): fc.Arbitrary<string> {
    const minLength = (schema.minLength as number | undefined) ?? 0;
    const maxLength = (schema.maxLength as number | undefined) ?? 64;
    if (typeof schema.pattern === 'string' && schema.pattern.startsWith('^')) {
      return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= minLength && s.length <= maxLength);
    }
    const pattern = typeof schema.pattern === 'string' ? new RegExp(schema.pattern, 'u') : undefined;
    return fc
      .oneof(
        // Anything Unicode has, astral planes included (at most two code units a code point)...
        fc.string({ unit: 'binary', minLength, maxLength: Math.max(minLength, Math.floor(maxLength / 2)) }),
        // ...and printable ASCII up to the very bound.
        fc.string({ unit: 'grapheme-ascii', minLength, maxLength }),
        fc.constant('x'.repeat(Math.max(minLength, 1))),
      )
      .filter((s) => s.length >= minLength && s.length <= maxLength && (pattern === undefined || pattern.test(s)));
  }

  private invalidRaw(raw: Json): fc.Arbitrary<unknown> {
    const schema = this.resolved(raw);
    const wrongType = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.string({ maxLength: 8 }), fc.constant([]), fc.constant({}));
    const branches = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
    if (branches) return fc.oneof(wrongType, ...branches.map((branch) => this.invalidRaw(branch)));
    if (schema.const !== undefined || schema.enum) return fc.oneof(wrongType, fc.string({ maxLength: 24 }));
    switch (schema.type) {
      case 'integer':
      case 'number': {
        const outside: Array<fc.Arbitrary<unknown>> = [wrongType, fc.constant(1.5)];
        if (schema.minimum !== undefined) outside.push(fc.integer({ min: Number.MIN_SAFE_INTEGER, max: (schema.minimum as number) - 1 }));
        if (schema.maximum !== undefined && schema.maximum < Number.MAX_SAFE_INTEGER) outside.push(fc.integer({ min: (schema.maximum as number) + 1, max: Number.MAX_SAFE_INTEGER }));
        return fc.oneof(...outside);
      }
      case 'string': {
        const outside: Array<fc.Arbitrary<unknown>> = [wrongType];
        if (schema.maxLength !== undefined) outside.push(fc.integer({ min: 1, max: 64 }).map((extra) => 'k'.repeat((schema.maxLength as number) + extra)));
        if ((schema.minLength ?? 0) > 0) outside.push(fc.constant(''));
        if (typeof schema.pattern === 'string') {
          const pattern = new RegExp(schema.pattern, 'u');
          outside.push(fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom(' ', '\t\n', '  ')).filter((s) => !pattern.test(s)));
        }
        return fc.oneof(...outside);
      }
      case 'array': {
        const outside: Array<fc.Arbitrary<unknown>> = [wrongType.filter((v) => !Array.isArray(v))];
        if (schema.maxItems !== undefined) outside.push(fc.constant(Array.from({ length: (schema.maxItems as number) + 1 }, (_, i) => `k${i}`)));
        outside.push(this.invalidRaw(schema.items as Json).map((item) => [item]));
        return fc.oneof(...outside);
      }
      case 'object': {
        const properties = (schema.properties ?? {}) as Record<string, Json>;
        const required = (schema.required ?? []) as string[];
        const valid = this.validRaw(schema) as fc.Arbitrary<Json>;
        const outside: Array<fc.Arbitrary<unknown>> = [wrongType.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v))];
        // One required field missing, or one field invalid, the rest valid.
        if (required.length > 0) outside.push(fc.tuple(valid, fc.constantFrom(...required)).map(([value, name]) => Object.fromEntries(Object.entries(value).filter(([key]) => key !== name))));
        const names = Object.keys(properties);
        if (names.length > 0) {
          outside.push(
            fc.constantFrom(...names).chain((name) => fc.tuple(valid, this.invalidRaw(properties[name] as Json)).map(([value, bad]) => ({ ...value, [name]: bad }))),
          );
        }
        return fc.oneof(...outside);
      }
      default:
        return wrongType;
    }
  }
}

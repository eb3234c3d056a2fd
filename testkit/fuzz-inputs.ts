import fc from 'fast-check';

/**
 * Hostile inputs for API fuzzing. Values that depend on the seeded data (tokens, ids,
 * cursors, the receiver's URL) or that are too big to print (huge strings) are written as
 * placeholders, `«name»`, and filled in just before the request is sent (see `materialize`),
 * so a failing case prints short and replays against whatever the data is then.
 *
 * No value here names a host other than 127.0.0.1 or localhost: a webhook URL the fuzzer
 * registers may be called, and this machine must send nothing anywhere else.
 */

export interface FuzzRequest {
  method: string;
  /** Already percent-encoded; may hold placeholders. */
  path: string;
  /** Without the `?`; already percent-encoded; may hold placeholders. */
  query: string;
  headers: [string, string][];
  body?: string;
}

// ---- strings ----

const unicodeSamples = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\ud83dy',
  '\ud83d\ude00',
  '🇰🇿👩‍👩‍👧‍👦',
  'abc\u202edcba',
  '\u202b\u05e9\u05dc\u05d5\u05dd\u202c',
  'مرحبا بالعالم',
  '\ufeffKAZ',
  'K\u200bAZ',
  'e\u0301',
  'Ｋａｚ',
  'İ',
  'ß',
  '\u0085\u2028\u2029',
  '\r\n\t',
  '\x7f\x1b[31m',
];

const trickyStrings = [
  '',
  ' ',
  'null',
  'true',
  'undefined',
  '0',
  '-1',
  '1.5',
  '1e309',
  'NaN',
  'Infinity',
  '0x10',
  '9007199254740993',
  '%00',
  '%',
  '%zz',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  "'; drop table events; --",
  '{{token}}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log-injection probe, sent as it is
  '${jndi:ldap://127.0.0.1/a}',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'KAZ',
  'kaz',
  ' usa ',
  'XXX',
  'rights',
  'rights.civil_liberties',
  'Europe',
  'UTC',
  'Mars/Olympus_Mons',
  '2025-01',
  '2025-13',
  '0000-01-01',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '2024-02-30',
  '2025-02-29T00:00:00Z',
  '2025-01-01T00:00:00+14:00',
  'ana@example.org',
  'not-an-email',
  'ftp://127.0.0.1/',
  'file:///etc/passwd',
  'javascript:alert(1)',
  'http://user:pw@127.0.0.1/',
  'http://localhost:1/hook',
  'https://[::1]:1/',
  '«endpoint»',
  '«delivery»',
  '«event»',
  '«tok:manage»',
];

/** Placeholders for strings too long to print: past the field limits, the 256 KB body limit. */
export const hugeStrings = ['«huge:255:x»', '«huge:2049:x»', '«huge:20001:é»', '«huge:100001:a»', '«huge:300000:🇰🇿»'];

export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...trickyStrings) },
  { weight: 3, arbitrary: fc.constantFrom(...unicodeSamples) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.constantFrom(...hugeStrings) },
);

/** Anything a JSON field could be, mostly the wrong thing. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: nastyString },
  {
    weight: 3,
    arbitrary: fc.constantFrom<unknown>(
      null,
      true,
      false,
      0,
      -1,
      -0,
      1.5,
      1e308,
      -1e308,
      2 ** 31,
      2 ** 53 + 2,
      Number.MAX_SAFE_INTEGER,
      [],
      {},
      [null],
      { '': null },
    ),
  },
  { weight: 1, arbitrary: fc.array(nastyString, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(nastyString, nastyString, { maxKeys: 2 }) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 12 }).map((depth) => JSON.parse('['.repeat(depth * 50) + ']'.repeat(depth * 50)) as unknown),
  },
);

// ---- URL encoding that also carries what encodeURIComponent refuses ----

/** Percent-encodes like encodeURIComponent, but lone surrogates become their WTF-8 bytes (invalid UTF-8) and placeholders stay. */
export function encodeComponent(value: string): string {
  return value
    .split(/(«[^»]*»)/)
    .map((part, index) => {
      if (index % 2 === 1) return part;
      let out = '';
      for (const char of part) {
        const code = char.codePointAt(0)!;
        if (code >= 0xd800 && code <= 0xdfff) {
          out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
            .map((b) => `%${b.toString(16).toUpperCase()}`)
            .join('');
        } else out += encodeURIComponent(char);
      }
      return out;
    })
    .join('');
}

/** Raw URL fragments no encoder would produce. */
const rawUrlJunk = ['%', '%zz', '%ED%A0%80', '%FF%FE', '%C0%80', '%00', '%2F', '%2e%2e', '+', '&&', '==', ';', '%25', '%E2%80%AE'];

// ---- tokens and credentials ----

const purposes = ['confirm', 'manage', 'unsubscribe', 'view', 'export', 'openpgp'] as const;

/**
 * A link token: real ones of the seeded subscribers, for every purpose (`fits` names the one
 * the route takes, tried most), and every way one can be wrong.
 */
export function tokenValue(fits?: (typeof purposes)[number] | 'pending'): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: fits ? 5 : 0, arbitrary: fc.constant(`«tok:${fits}»`) },
    { weight: 3, arbitrary: fc.constantFrom(...purposes.map((p) => `«tok:${p}»`), '«tok:pending»') },
    { weight: 2, arbitrary: fc.constantFrom(...purposes.flatMap((p) => [`«forged:${p}»`, `«tamper:${p}»`, `«truncate:${p}»`])) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom(...purposes),
          fc.oneof(fc.constantFrom('cur', 'pending', 'unknown'), fc.constantFrom(0, 1, 2 ** 31, 2 ** 53 - 1).map(String)),
          fc.oneof(fc.constant('cur'), fc.constantFrom(0, 7, 2 ** 53 - 1).map(String)),
          fc.option(
            fc.oneof(fc.constant('digest'), fc.constantFrom('', 'abc', '-1', '1.5', '1e3', '99999999999999999999', '0x1', ' 7', '\u0000')),
            { nil: undefined },
          ),
        )
        .map(([p, s, v, r]) => `«sign:${p}:${s}:${v}${r === undefined ? '' : `:${encodeURIComponent(r)}`}»`),
    },
    { weight: 1, arbitrary: nastyString },
    { weight: 1, arbitrary: fc.base64String({ maxLength: 80 }).map((s) => `${s}.${'A'.repeat(43)}`) },
    { weight: 1, arbitrary: fc.constantFrom('«huge:1025:A»', '«huge:2049:A»', 'a.b', '.', `e30.${'A'.repeat(43)}`) },
  );
}

/** The Authorization header: the admin token, and wrong, malformed and forged ones. */
export const authorization: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 14, arbitrary: fc.constant('Bearer «admin»') },
  { weight: 1, arbitrary: fc.constant(undefined) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'Bearer',
      'Bearer ',
      'bearer «admin»',
      'Bearer  «admin»  ',
      'Bearer «admin»x',
      'Bearer «admin» extra',
      'Basic «admin»',
      'Bearer test-admin-token',
      'Bearer «tok:manage»',
      'Bearer «huge:9000:A»',
      'Token «admin»',
      'Bearer \u00e9\u00e8',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 40 }).map((s) => `Bearer ${s}`) },
);

/** A header value must be a ByteString without NUL, CR or LF, or the Request cannot even be built. */
export const headerSafe = (value: string) => value.replace(/[^\x20-\xff\t]/g, '?');

// ---- ids, cursors, numbers ----

const placeholderIds = ['«event»', '«endpoint»', '«endpoint-off»', '«delivery»'];

/** A path segment; `fits` is the placeholder of the id the route takes, tried most. */
export function pathSegment(fits?: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: fits ? 8 : 0, arbitrary: fc.constant(fits ?? '') },
    { weight: 3, arbitrary: fc.constantFrom(...placeholderIds) },
    { weight: 3, arbitrary: nastyString.map(encodeComponent).filter((s) => s.length > 0) },
    { weight: 1, arbitrary: fc.constantFrom(...rawUrlJunk, '..', '.', 'a%2Fb', 'a/b', '%20', '«huge:5000:x»') },
    { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9._:~-]{1,30}$/) },
  );
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export const cursorValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('«event-cursor»', '«delivery-cursor»') },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        fc.tuple(
          fc.constantFrom('2025-01', '0000-00', '9999-99', '2025-1', '', '2025-01-01T00:00:00Z'),
          fc.oneof(nastyString, fc.constant('«event»')),
        ),
        fc.tuple(
          fc.constantFrom(
            '2025-02-01T09:00:00Z',
            '0000-01-01T00:00:00Z',
            '9999-12-31T23:59:59.999999Z',
            '2025-02-01',
            '+275760-09-13T00:00:00Z',
          ),
          fc.oneof(nastyString, fc.constant('«delivery»')),
        ),
        fc.jsonValue({ maxDepth: 2 }),
      )
      .map(b64),
  },
  { weight: 1, arbitrary: nastyString },
  { weight: 1, arbitrary: fc.base64String({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constant('«huge:601:A»') },
);

export const numberText: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 100 }).map(String) },
  fc.constantFrom(
    '0',
    '1',
    '-1',
    '20',
    '100',
    '101',
    '1000',
    '1001',
    '1.5',
    '1e3',
    '0x10',
    '+1',
    '00001',
    ' 5',
    '5 ',
    '٣',
    '9007199254740991',
    '9007199254740992',
    '99999999999999999999',
    'NaN',
    'Infinity',
    '-0',
    '',
  ),
  fc.integer({ min: -10, max: 2000 }).map(String),
);

const isoTimes = fc.oneof(
  fc
    .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.constantFrom(
    '2025-02-01T09:00:00Z',
    '2025-03-01T09:00:00Z',
    '2025-01-01',
    '0000-01-01',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
    '2024-02-30',
    '2025-02-01T09:00:00+25:00',
    '2025-02-01T09:00:00.123456789Z',
    '2025-W05',
    '20250201',
    '9999-12-31T23:59:59-14:00',
    '0001-01-01T00:30:00+01:00',
  ),
);

// ---- values by field name, so valid-looking bodies reach past validation ----

/** Mostly a valid value, sometimes a near miss. */
const mostly = (valid: unknown[], invalid: unknown[]) =>
  fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: fc.constantFrom(...invalid) });

const fieldHints: Record<string, fc.Arbitrary<unknown>> = {
  id: fc.oneof(
    fc.constant('«event»'),
    fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}$/).map((s) => `fuzz-${s}`),
  ),
  country: mostly(['KAZ', 'FRA', 'kaz', ' usa '], ['XXX', 'KZ', '']),
  countries: mostly(['KAZ', 'FRA', 'kaz', ' usa '], ['XXX', 'KZ', '']),
  month: mostly(['2025-01', '2024-12'], ['2025-13', '0000-01', '9999-12']),
  categories: mostly(['rights', 'representation'], ['rights.civil_liberties', 'bogus']),
  factors: mostly(['rights.civil_liberties', 'representation.credible_elections'], ['rights', 'bogus.factor']),
  regions: mostly(['Europe', 'Asia', 'Africa', 'Americas', 'Oceania'], ['Antarctic', 'europe']),
  timezone: mostly(['UTC', 'Europe/Berlin', 'Asia/Almaty', 'America/St_Johns', 'Etc/GMT+14'], ['Mars/Base', '']),
  email: fc.oneof(
    fc.constantFrom('«sub-email»', '«pending-email»', 'Ana@Example.ORG ', 'not-an-email', 'a@b', '"a b"@example.org', 'ana@例え.jp'),
    fc.stringMatching(/^[a-z0-9]{1,12}$/).map((s) => `fuzz-${s}@example.org`),
  ),
  url: mostly(
    ['«receiver»', 'http://localhost:1/hook'],
    [
      'http://127.0.0.1:1/',
      'https://[::1]:1/',
      'ftp://127.0.0.1/',
      'file:///etc/passwd',
      'http://user:pw@127.0.0.1/',
      'http://',
      'https://[::1',
    ],
  ),
  since: fc.oneof(fc.integer({ min: -1, max: 60 }), isoTimes),
  now: isoTimes,
  date: mostly(['2024-08', '2024-08-01'], ['2024-13-45', '24-08']),
  title: fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), fc.constantFrom(...unicodeSamples)),
  body: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.constantFrom(...unicodeSamples)),
  text: fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), fc.constantFrom(...unicodeSamples)),
  name: fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }), fc.constantFrom(...unicodeSamples)),
  description: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.constantFrom(...unicodeSamples), fc.constant(null)),
};

/** Values for query parameters, by name. */
export function queryValue(name: string, token = tokenValue()): fc.Arbitrary<string> {
  const hinted: Record<string, fc.Arbitrary<string>> = {
    token,
    cursor: cursorValue,
    limit: numberText,
    after: numberText,
    before: numberText,
    email: fieldHints.email!.map(String),
    country: fieldHints.country!.map(String),
    category: fc.constantFrom('rights', 'rights.civil_liberties', 'bogus', 'RIGHTS'),
    since: isoTimes,
  };
  return fc.oneof({ weight: 5, arbitrary: hinted[name] ?? nastyString }, { weight: 1, arbitrary: nastyString });
}

// ---- bodies from the OpenAPI document's JSON Schemas ----

type Schema = Record<string, unknown>;

export interface SchemaContext {
  resolve(ref: string): Schema;
}

/** Shape-respecting values for a JSON Schema, steered by field names towards realistic data. */
export function fromSchema(schema: Schema, ctx: SchemaContext, name = '', depth = 0): fc.Arbitrary<unknown> {
  if (typeof schema.$ref === 'string') return fromSchema(ctx.resolve(schema.$ref), ctx, name, depth);
  const variants = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (variants) return fc.oneof(...variants.map((v) => fromSchema(v, ctx, name, depth)));
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if (Array.isArray(schema.type))
    return fc.oneof(...(schema.type as string[]).map((type) => fromSchema({ ...schema, type }, ctx, name, depth)));
  const hint = fieldHints[name];
  switch (schema.type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      if (depth > 4 || Object.keys(properties).length === 0) return fc.constant({});
      return fc.record(Object.fromEntries(Object.entries(properties).map(([key, s]) => [key, fromSchema(s, ctx, key, depth + 1)])), {
        requiredKeys: (schema.required as string[] | undefined) ?? [],
      });
    }
    case 'array':
      return fc.array(fromSchema((schema.items ?? {}) as Schema, ctx, name, depth + 1), {
        minLength: Math.min(Number(schema.minItems ?? 0), 3),
        maxLength: Math.min(Number(schema.maxItems ?? 3), 3),
      });
    case 'integer':
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : -1000;
      const max = typeof schema.maximum === 'number' ? schema.maximum : 1000;
      const edges = fc.constantFrom(min, max, min - 1, max + 1, 0.5);
      if (hint) return fc.oneof(hint, edges);
      return fc.oneof(fc.integer({ min: Math.max(min, -1e6), max: Math.min(max, 1e6) }), edges);
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'string': {
      const options: fc.WeightedArbitrary<unknown>[] = [{ weight: 1, arbitrary: nastyString }];
      if (hint) options.push({ weight: 6, arbitrary: hint });
      else if (schema.format === 'date-time' || schema.format === 'date') options.push({ weight: 6, arbitrary: isoTimes });
      else options.push({ weight: 2, arbitrary: fc.string({ maxLength: 20 }) });
      if (typeof schema.example === 'string' && name !== 'url') options.push({ weight: 2, arbitrary: fc.constant(schema.example) });
      return fc.oneof(...options);
    }
    default:
      return nastyValue;
  }
}

/** Every place in a JSON value, as a path of keys and indexes ([] is the value itself). */
function placesIn(value: unknown, path: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(path);
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) placesIn(item, [...path, i], out);
  } else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) placesIn(v, [...path, k], out);
  return out;
}

function setAt(
  root: unknown,
  path: (string | number)[],
  change: (parent: Record<string | number, unknown>, key: string | number) => void,
): unknown {
  if (path.length === 0) return root;
  const copy = structuredClone(root);
  let parent = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  change(parent, path.at(-1)!);
  return copy;
}

export type Mutation = { kind: 'drop' | 'extra' | 'replace'; at: number; key?: string; value?: unknown };

/** One change that makes a valid body (probably) invalid: a missing field, an extra one, a wrong type. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('extra' as const),
    at: fc.nat(),
    key: fc.oneof(nastyString, fc.constantFrom('__proto__', 'constructor', 'extra', 'id')),
    value: nastyValue,
  }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: nastyValue }),
);

export function mutate(value: unknown, changes: Mutation[]): unknown {
  let current = value;
  for (const change of changes) {
    const places = placesIn(current);
    const path = places[change.at % places.length]!;
    if (change.kind === 'replace') {
      current = path.length === 0 ? change.value : setAt(current, path, (p, k) => (p[k] = change.value));
    } else if (change.kind === 'drop') {
      current = setAt(current, path, (p, k) => (Array.isArray(p) ? p.splice(Number(k), 1) : delete p[k]));
    } else {
      const target = path.length === 0 ? current : path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], current);
      if (target && typeof target === 'object' && !Array.isArray(target)) {
        const extended = structuredClone(current);
        const at = path.length === 0 ? extended : path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], extended);
        Object.defineProperty(at, change.key!, { value: change.value, enumerable: true, configurable: true, writable: true });
        current = extended;
      }
    }
  }
  return current;
}

/** Broken JSON texts (and some valid ones of the wrong shape). */
const rawJson = fc.constantFrom(
  '',
  ' ',
  '{',
  '{"a":',
  '[',
  'null',
  '"text"',
  '1',
  'true',
  '[]',
  '{"events":[',
  '\ufeff{}',
  '{"a":1,}',
  '{a:1}',
  "{'a':1}",
  'NaN',
  '{"x": 1e400}',
  '{"__proto__":{"polluted":1}}',
  '{"since":1,"since":"x"}',
  '{"email":"a@example.org"}{"email":"b@example.org"}',
  '"\\ud800"',
  '{"email":"\\u0000@example.org"}',
  '«deepjson:100000»',
  '«hugejson:300000»',
  '«hugejson:17000000»',
);

/** A JSON body for `schema`: valid-looking, mutated, or not JSON at all. */
export function jsonBody(schema: Schema | undefined, ctx: SchemaContext): fc.Arbitrary<string> {
  const shaped = schema ? fromSchema(schema, ctx) : fc.jsonValue({ maxDepth: 2 });
  return fc.oneof(
    { weight: 4, arbitrary: shaped.map((v) => JSON.stringify(v) ?? 'null') },
    {
      weight: 4,
      arbitrary: fc
        .tuple(shaped, fc.array(mutation, { minLength: 1, maxLength: 3 }))
        .map(([v, m]) => JSON.stringify(mutate(v, m)) ?? 'null'),
    },
    { weight: 1, arbitrary: nastyValue.map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 2, arbitrary: rawJson },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          shaped.map((v) => JSON.stringify(v) ?? ''),
          fc.nat(),
          fc.constantFrom('', '}', ',', '\u0000', '\\', '"'),
        )
        .map(([text, cut, tail]) => text.slice(0, cut % (text.length + 1)) + tail),
    },
  );
}

export const jsonContentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/merge-patch+json',
      'application/json; charset=latin1',
      'text/plain',
      'text/html',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'multipart/form-data',
      'application/jsonx',
      'application/xml',
      ';',
      'application/json, text/plain',
    ),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

/** A form body (urlencoded or multipart) with the fields of the sign-up and preference forms, and junk. */
export const formBody: fc.Arbitrary<{ contentType: string | undefined; body: string }> = (() => {
  const field = fc.oneof(
    fc.tuple(fc.constant('email'), fieldHints.email!.map(String)),
    fc.tuple(fc.constantFrom('countries', 'countries[]'), fieldHints.countries!.map(String)),
    fc.tuple(fc.constantFrom('regions', 'regions[]'), fieldHints.regions!.map(String)),
    fc.tuple(fc.constantFrom('categories', 'categories[]'), fieldHints.categories!.map(String)),
    fc.tuple(fc.constant('frequency'), fc.constantFrom('monthly', 'weekly', 'daily', '')),
    fc.tuple(fc.constant('timezone'), fieldHints.timezone!.map(String)),
    fc.tuple(fc.constant('skipEmpty'), fc.constantFrom('on', 'true', 'off', '')),
    fc.tuple(fc.constant('List-Unsubscribe'), fc.constantFrom('One-Click', 'one-click', '')),
    fc.tuple(nastyString, nastyString),
    fc.tuple(fc.constantFrom('email', 'countries', 'timezone', 'frequency'), nastyString),
  );
  const fields = fc.array(field, { maxLength: 8 });
  const urlencoded = fields.map((list) => list.map(([k, v]) => `${encodeComponent(k)}=${encodeComponent(v)}`).join('&'));
  const multipart = (boundary: string) =>
    fields.map(
      (list) =>
        `${list
          .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k.replace(/["\r\n]/g, '_')}"\r\n\r\n${v}\r\n`)
          .join('')}--${boundary}--\r\n`,
    );
  return fc.oneof(
    { weight: 5, arbitrary: urlencoded.map((body) => ({ contentType: 'application/x-www-form-urlencoded', body })) },
    {
      weight: 2,
      arbitrary: multipart('fuzzboundary').map((body) => ({ contentType: 'multipart/form-data; boundary=fuzzboundary', body })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom(
            'application/x-www-form-urlencoded',
            'multipart/form-data',
            'multipart/form-data; boundary=other',
            'multipart/form-data; boundary=',
            'application/x-www-form-urlencoded; charset=utf-16',
            'text/plain',
            'application/json',
            undefined,
          ),
          fc.oneof(
            urlencoded,
            multipart('fuzzboundary'),
            fc.constantFrom(...rawUrlJunk, 'List-Unsubscribe=One-Click', '«huge:300000:a»', '--x\r\n'),
            nastyString,
          ),
        )
        .map(([contentType, body]) => ({ contentType, body })),
    },
  );
})();

/** Extra query parameters: unknown names, repeats of known ones, raw junk. */
export const extraQuery: fc.Arbitrary<string[]> = fc.array(
  fc.oneof(
    fc.tuple(nastyString, nastyString).map(([k, v]) => `${encodeComponent(k)}=${encodeComponent(v)}`),
    fc
      .tuple(fc.constantFrom('token', 'limit', 'cursor', 'email', 'after', 'saved'), nastyString)
      .map(([k, v]) => `${k}=${encodeComponent(v)}`),
    fc.constantFrom(...rawUrlJunk),
  ),
  { maxLength: 2 },
);

/** Fills the placeholders of a request; `resolve` answers each name (without the guillemets). */
export function materialize(
  request: FuzzRequest,
  resolve: (name: string) => string,
  finish?: (body: string, headers: Headers) => void,
): Request {
  const fill = (text: string) =>
    text.replace(/«([^»]*)»/g, (_, name: string) => {
      const huge = /^huge:(\d+):(.+)$/u.exec(name);
      if (huge) return huge[2]!.repeat(Number(huge[1]));
      const hugeJson = /^hugejson:(\d+)$/.exec(name);
      if (hugeJson) return JSON.stringify({ events: [{ id: 'x', title: 'x'.repeat(Number(hugeJson[1])) }] });
      const deep = /^deepjson:(\d+)$/.exec(name);
      if (deep) return '['.repeat(Number(deep[1])) + ']'.repeat(Number(deep[1]));
      return resolve(name);
    });
  const query = fill(request.query);
  const url = `http://localhost${fill(request.path)}${query ? `?${query}` : ''}`;
  const headers = new Headers();
  for (const [name, value] of request.headers) headers.append(name, headerSafe(fill(value)));
  const body = request.body === undefined ? undefined : fill(request.body);
  finish?.(body ?? '', headers);
  return new Request(url, { method: request.method, headers, ...(body !== undefined ? { body } : {}) });
}

/** A request, short enough to print: long values cut, with their length. */
export function describeRequest(request: FuzzRequest): string {
  const cut = (text: string) => (text.length > 300 ? `${text.slice(0, 300)}…(${text.length} chars)` : text);
  const headers = request.headers.map(([k, v]) => `${k}: ${cut(v)}`).join('\n  ');
  return `${request.method} ${cut(request.path)}${request.query ? `?${cut(request.query)}` : ''}\n  ${headers}${request.body !== undefined ? `\n  body: ${cut(JSON.stringify(request.body))}` : ''}`;
}

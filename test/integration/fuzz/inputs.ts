// What the fuzz suite sends: arbitraries for path ids, query strings and bodies as API Gateway hands
// them to a function, each paired with the rule (restated from the README and docs/, not imported from the code
// under test) that says whether the input is acceptable. Invalid input is built by construction (a
// valid value with one known defect) or classified by that rule, so the oracle never asks the
// schemas it is testing.
import fc from 'fast-check';

// ---------------------------------------------------------------------------------------------- ids

/** `token`: any safe id (Tink credential ids); user ids have each provider's hex shape. */
export type IdKind = 'token' | 'connection' | 'tinkUser' | 'moneyhubUser';

/** API Gateway may hand a path parameter over still percent-encoded: it is decoded once. */
function decodedOnce(raw: string): string {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

const token = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const connection = /^[A-Za-z0-9][A-Za-z0-9_-]*:[A-Za-z0-9][A-Za-z0-9_-]*$/;
const idRules: Record<IdKind, RegExp> = {
  token,
  connection,
  tinkUser: /^[0-9a-f]{32}$/,
  moneyhubUser: /^[0-9a-f]{24}$/,
};

/**
 * The rule for ids in paths: a safe charset (a connection id keeps one `:`), 1–128 characters; a
 * Tink user id is 32 and a Moneyhub user id 24 lower-case hex characters.
 */
export function isValidId(kind: IdKind, raw: string): boolean {
  const id = decodedOnce(raw);
  if (id.length < 1 || id.length > 128) return false;
  return idRules[kind].test(id);
}

const safeToken = (maxLength: number) =>
  fc.stringMatching(new RegExp(`^[A-Za-z0-9][A-Za-z0-9_-]{0,${maxLength - 1}}$`));

/** A percent-encoding of one character of a valid id (decoded once, it is the same id). */
const encodeOneCharacter = (id: string, at: number) => {
  const index = at % id.length;
  const code = (id.codePointAt(index) as number).toString(16).toUpperCase().padStart(2, '0');
  return `${id.slice(0, index)}%${code}${id.slice(index + 1)}`;
};

/** Ids the rule accepts: random safe tokens (nobody's user), hex ids like the providers', encodings. */
export function validId(kind: IdKind): fc.Arbitrary<string> {
  const one =
    kind === 'connection'
      ? fc
          .tuple(safeToken(40), safeToken(80), fc.boolean())
          .map(([bank, id, encoded]) => `${bank}${encoded ? '%3A' : ':'}${id}`)
      : kind === 'tinkUser'
        ? fc.stringMatching(/^[0-9a-f]{32}$/)
        : kind === 'moneyhubUser'
          ? fc.stringMatching(/^[0-9a-f]{24}$/)
          : fc.oneof(
              safeToken(128),
              fc.stringMatching(/^[0-9a-f]{32}$/),
              fc.stringMatching(/^[0-9a-f]{24}$/),
              fc.constant('a'.repeat(128)),
            );
  return fc
    .oneof(
      { weight: 4, arbitrary: one },
      { weight: 1, arbitrary: fc.tuple(one, fc.nat()).map(([id, at]) => encodeOneCharacter(id, at)) },
    )
    .filter((id) => isValidId(kind, id));
}

const nastyIds = [
  '',
  ' ',
  '\t',
  '\n',
  '\u00a0',
  '\u3000',
  '\u200b',
  '.',
  '..',
  '../..',
  '../../etc/passwd',
  '/',
  '//',
  'a/b',
  'a\\b',
  '%2F',
  '%2f',
  '%252F',
  '%252f',
  'a%2Fb',
  'a%2fb',
  'a%252Fb',
  '%2e%2e',
  '%2E%2E%2F',
  '..%2F..%2Fetc%2Fpasswd',
  '%E0%A4%A',
  '%C0%AF',
  '%',
  '%%',
  '%zz',
  '%0',
  '%00',
  'a%00b',
  'a%20b',
  '%20a',
  'a%',
  '\u0000',
  'a\u0000b',
  '-a',
  '_a',
  'a b',
  ' a',
  'a ',
  'a+b',
  'a.b',
  'a?b',
  'a#b',
  'a&b',
  'a;b',
  'a=b',
  "a'b",
  'a"b',
  '<script>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log-injection probe, not a template
  '${jndi:ldap://x}',
  ':',
  ':a',
  'a:',
  'a::b',
  'a:b:c',
  'a%3A',
  '%3Aa',
  'a%253Ab',
  'ａ',
  'é',
  'ß',
  '😀',
  'a😀',
  '\ud800',
  'a\udfff',
  'İ',
  'K', // Kelvin sign: folds to K under some normalisations
  'a'.repeat(129),
  'a'.repeat(4096),
];

const badCharacters = fc.oneof(
  fc.constantFrom(
    '/',
    '\\',
    '.',
    ' ',
    ':',
    '%',
    '?',
    '#',
    '&',
    '+',
    '@',
    '~',
    '!',
    '*',
    '\u0000',
    '\u007f',
    '\n',
    '%2F',
    '%2f',
    '%252F',
    '%5C',
    '%2e',
    '%E0%A4%A',
    '%zz',
    'é',
    '😀',
    '\ud800',
  ),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }),
);

const percentGarbage = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '%',
        '%2',
        '%2F',
        '%2f',
        '%252F',
        '%E0%A4%A',
        '%C0%AF',
        '%ZZ',
        '%00',
        '%3A',
        '%2e',
        '%FF',
      ),
      safeToken(6),
    ),
    { minLength: 1, maxLength: 8 },
  )
  .map((parts) => parts.join(''));

/** Candidate ids the rule refuses: traversal, encodings, unicode, whitespace, lengths, misplaced `:`. */
export function invalidId(kind: IdKind): fc.Arbitrary<string> {
  const colonMisplaced = fc
    .tuple(safeToken(20), safeToken(20), fc.nat(5))
    .map(([a, b, shape]) =>
      kind === 'connection'
        ? ([a, `:${a}`, `${a}:`, `${a}::${b}`, `${a}:${b}:${a}`, `${a}%253A${b}`][shape] ?? a)
        : ([`${a}:${b}`, `:${a}`, `${a}:`, `${a}%3A${b}`, `${a}%253A${b}`, `${a}::${b}`][shape] ?? `${a}:`),
    );
  const withBadCharacter = fc
    .tuple(kind === 'connection' ? validId('connection') : safeToken(60), fc.nat(), badCharacters)
    .map(([id, at, bad]) => {
      const index = at % (id.length + 1);
      return `${id.slice(0, index)}${bad}${id.slice(index)}`;
    });
  const tooLong = fc
    .integer({ min: 129, max: 20_000 })
    .chain((length) => fc.constantFrom('a', 'f', '0', 'a:b').map((unit) => unit.repeat(length)));
  // Hex of the other provider's length, of a near length, or in upper case.
  const wrongHex = fc
    .tuple(fc.integer({ min: 1, max: 40 }), fc.boolean())
    .chain(([length, upper]) =>
      fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`)).map((hex) => (upper ? hex.toUpperCase() : hex)),
    );
  return fc
    .oneof(
      fc.constantFrom(...nastyIds),
      wrongHex,
      withBadCharacter,
      colonMisplaced,
      percentGarbage,
      tooLong,
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
    )
    .filter((id) => !isValidId(kind, id));
}

// -------------------------------------------------------------------------------------------- query

export type QueryRule = 'none' | 'syncs' | 'ignored';

const wholeNumber = /^\d{1,10}$/;

/** `none`: no parameter at all; `syncs`: only `limit` (1–1000) and `offset` (0–1e9), whole numbers. */
export function isValidQuery(rule: QueryRule, query: Record<string, string>): boolean {
  const keys = Object.keys(query);
  if (rule === 'ignored') return true;
  if (rule === 'none') return keys.length === 0;
  return keys.every((key) => {
    const value = query[key] as string;
    if (key === 'limit') return wholeNumber.test(value) && Number(value) >= 1 && Number(value) <= 1000;
    if (key === 'offset') return wholeNumber.test(value) && Number(value) <= 1_000_000_000;
    return false;
  });
}

const queryKey = fc.oneof(
  fc.constantFrom(
    'limit',
    'offset',
    'LIMIT',
    'Limit',
    'limit[]',
    'limit ',
    ' limit',
    'foo',
    'userId',
    'page',
    '',
    ' ',
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'a.b',
    'é',
  ),
  fc.string({ maxLength: 20 }),
);

const queryValue = fc.oneof(
  fc.constantFrom(
    '-1',
    '0',
    '1',
    '5',
    '1000',
    '1001',
    '1e3',
    '1.5',
    '1.0',
    ' 1',
    '1 ',
    '0x10',
    'NaN',
    'Infinity',
    '-0',
    '+1',
    '00001',
    '9999999999',
    '10000000000',
    '1000000000',
    '1000000001',
    '99999999999999999999',
    '',
    'abc',
    '١٢',
    '１',
    'null',
    'true',
    '[]',
    '{}',
  ),
  fc.integer().map(String),
  fc.double().map(String),
  fc.string({ maxLength: 30 }),
  fc.integer({ min: 1, max: 10_000 }).map((length) => '9'.repeat(length)),
);

/**
 * Query parameters as API Gateway (payload 2.0) delivers them: repeated keys are joined with a
 * comma. Built with `Object.fromEntries`, so `__proto__` is an own key like in a parsed event.
 */
function foldQuery(pairs: [string, string][]): Record<string, string> {
  const joined = new Map<string, string>();
  for (const [key, value] of pairs) {
    const previous = joined.get(key);
    joined.set(key, previous === undefined ? value : `${previous},${value}`);
  }
  return Object.fromEntries(joined);
}

export const anyQuery: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 9, arbitrary: fc.array(fc.tuple(queryKey, queryValue), { maxLength: 6 }).map(foldQuery) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 20, max: 2_000 })
      .map((count) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`p${index}`, 'x']))),
  },
);

export function validQuery(rule: QueryRule): fc.Arbitrary<Record<string, string>> {
  if (rule === 'ignored') return anyQuery;
  if (rule === 'none') return fc.constant({});
  return fc.record(
    {
      limit: fc.oneof(fc.integer({ min: 1, max: 1000 }).map(String), fc.constantFrom('0001', '1000')),
      offset: fc.oneof(fc.integer({ min: 0, max: 1_000_000_000 }).map(String), fc.constantFrom('0', '000')),
    },
    { requiredKeys: [] },
  );
}

export function invalidQuery(rule: QueryRule): fc.Arbitrary<Record<string, string>> {
  return anyQuery.filter((query) => !isValidQuery(rule, query));
}

// --------------------------------------------------------------------------------------------- body

/** One field of a JSON body: whether it must be there, values it accepts, values it refuses. */
export interface FieldSpec {
  required: boolean;
  valid: fc.Arbitrary<unknown>;
  invalid: fc.Arbitrary<unknown>;
}

export interface BodySpec {
  /** An absent (or empty) body is accepted. */
  optional: boolean;
  fields: Record<string, FieldSpec>;
}

/** A body as it reaches the function: text, content type (absent when undefined), base64 flag. */
export interface WireBody {
  text?: string;
  contentType?: string;
  base64?: boolean;
  /** How the body was made, for the counterexample. */
  shape: string;
}

/** Whether the input is acceptable, known by construction. */
export type Verdict = 'valid' | 'invalid';

export interface BodyCase {
  wire: WireBody;
  verdict: Verdict;
}

/** JSON media types: `application/json` and `application/*+json`, parameters allowed. */
export function isJsonContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/([a-z0-9.+-]+\+)?json(;|$)/i.test(contentType);
}

const jsonContentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json;charset=UTF-8',
  'Application/JSON',
  'application/vnd.api+json',
  'application/merge-patch+json',
);

const otherContentType = fc.constantFrom(
  'text/plain',
  'text/json',
  'text/html',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/jsonx',
  'application/json5',
  'application/octet-stream',
  'json',
  '',
  '*/*',
  'application/ json',
  ' application/json',
);

/** Values of every JSON type, small and nested. */
const anyTypeValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -1, 1e308, -0),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
);

type JsonType = 'string' | 'boolean' | 'array' | 'object';

const typeOf = (value: unknown): string =>
  Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;

/** JSON values of any type but `type`. */
export const otherTypes = (type: JsonType): fc.Arbitrary<unknown> =>
  anyTypeValue.filter((value) => typeOf(value) !== type);

/** Deep nesting: `[[[…]]]` or `{"a":{"a":…}}`, depth up to a bound JSON.parse handles. */
export const deepValue: fc.Arbitrary<unknown> = fc
  .tuple(fc.integer({ min: 10, max: 3000 }), fc.boolean())
  .map(([depth, arrays]) => {
    let value: unknown = arrays ? [] : {};
    for (let level = 0; level < depth; level++) value = arrays ? [value] : { a: value };
    return value;
  });

/** Big values, bounded: long strings, long arrays, many keys. */
export const hugeValue: fc.Arbitrary<unknown> = fc.oneof(
  fc
    .tuple(fc.integer({ min: 1_000, max: 300_000 }), fc.constantFrom('a', 'é', '😀', '\u0000', 'A_'))
    .map(([length, unit]) => unit.repeat(length)),
  fc
    .tuple(fc.integer({ min: 100, max: 20_000 }), fc.constantFrom<unknown>(1, 'x', 'CHECKING_ACCOUNTS', null))
    .map(([length, item]) => Array.from({ length }, () => item)),
  fc
    .integer({ min: 50, max: 3_000 })
    .map((count) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`key${index}`, index]))),
);

/** Text that is not JSON (checked, not assumed). */
const notJson = fc
  .oneof(
    fc.constantFrom(
      '{',
      '}',
      '{"a":}',
      "{'a':1}",
      '{"a":1,}',
      '[1,]',
      'undefined',
      'NaN',
      'Infinity',
      'nul',
      'tru',
      '01',
      '{"a":1}{"b":2}',
      '  ',
      '\n',
      '\ufeff{}',
      '\u0000',
      '%E0%A4%A',
      'market=SE',
      '<xml/>',
      '{"a":"\u0001"}',
      `{"a":${'['.repeat(300_000)}`,
    ),
    fc.string({ minLength: 1, maxLength: 200 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 50 }),
  )
  .filter((text) => {
    try {
      JSON.parse(text);
      return false;
    } catch {
      return true;
    }
  });

/** JSON with keys the body parser refuses outright (prototype pollution). */
const poisoned = fc.constantFrom(
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"admin":true}}}',
  '{"a":{"__proto__":{}}}',
);

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

function jsonWire(value: unknown, shape: string): fc.Arbitrary<WireBody> {
  const text = JSON.stringify(value);
  return fc.oneof(
    { weight: 6, arbitrary: jsonContentType.map((contentType) => ({ text, contentType, shape })) },
    {
      weight: 1,
      arbitrary: jsonContentType.map((contentType) => ({
        text: base64(text),
        contentType,
        base64: true,
        shape: `${shape}, base64`,
      })),
    },
  );
}

/** A JSON object the body spec accepts. */
export function validObject(spec: BodySpec): fc.Arbitrary<Record<string, unknown>> {
  const entries = Object.fromEntries(Object.entries(spec.fields).map(([name, field]) => [name, field.valid]));
  const requiredKeys = Object.entries(spec.fields)
    .filter(([, field]) => field.required)
    .map(([name]) => name);
  return fc.record(entries, { requiredKeys }) as fc.Arbitrary<Record<string, unknown>>;
}

/** A valid object with exactly one defect: a field with a refused value, a missing or an extra key. */
function defectiveObject(spec: BodySpec): fc.Arbitrary<{ value: unknown; shape: string }> {
  const names = Object.keys(spec.fields);
  const required = names.filter((name) => spec.fields[name]?.required);
  const options: fc.Arbitrary<{ value: unknown; shape: string }>[] = [
    fc
      .tuple(
        validObject(spec),
        fc.oneof(
          fc.string({ maxLength: 20 }),
          fc.constantFrom('Market', 'MARKET', 'scope ', 'user_id', 'external_user_id', 'extra', ''),
        ),
        fc.oneof(fc.jsonValue({ maxDepth: 2 }), deepValue, hugeValue),
      )
      .filter(([, key]) => !names.includes(key) && key !== '__proto__')
      .map(([object, key, value]) => ({ value: { ...object, [key]: value }, shape: `extra key ${key}` })),
    fc
      .tuple(
        validObject(spec),
        fc.integer({ min: 20, max: 5_000 }),
        fc.constantFrom('k', 'é', '\u0000', '😀'),
      )
      .map(([object, count, unit]) => ({
        value: {
          ...Object.fromEntries(
            Array.from({ length: count }, (_, index) => [`${unit.repeat(300)}${index}`, index]),
          ),
          ...object,
        },
        shape: `${count} extra keys`,
      })),
  ];
  for (const name of names) {
    const field = spec.fields[name] as FieldSpec;
    options.push(
      fc
        .tuple(validObject(spec), fc.oneof(field.invalid, deepValue, hugeValue))
        .filter(([, value]) => value !== undefined)
        .map(([object, value]) => ({ value: { ...object, [name]: value }, shape: `bad ${name}` })),
    );
  }
  for (const name of required) {
    options.push(
      validObject(spec).map((object) => {
        const { [name]: _removed, ...rest } = object;
        return { value: rest, shape: `missing ${name}` };
      }),
    );
  }
  return fc.oneof(...options);
}

/**
 * Bodies for a route. With a spec, valid and defective objects; without one (GET, DELETE, …) a JSON
 * body is ignored, so only what the JSON parser refuses is invalid. For every route: a body that is
 * not JSON, JSON that is not an object, a wrong or missing content type, prototype-polluting keys.
 */
export function bodyCases(spec: BodySpec | undefined, wantValid: boolean): fc.Arbitrary<BodyCase> {
  const absent: BodyCase = { wire: { shape: 'absent' }, verdict: 'valid' };
  const emptyText = jsonContentType.map(
    (contentType): BodyCase => ({ wire: { text: '', contentType, shape: 'empty' }, verdict: 'valid' }),
  );
  if (wantValid) {
    if (!spec) return fc.oneof(fc.constant(absent), emptyText);
    const object = validObject(spec).chain((value) => jsonWire(value, 'valid object'));
    return fc.oneof(
      { weight: 4, arbitrary: object.map((wire): BodyCase => ({ wire, verdict: 'valid' })) },
      ...(spec.optional
        ? [
            { weight: 1, arbitrary: fc.constant(absent) },
            { weight: 1, arbitrary: emptyText },
          ]
        : []),
    );
  }

  const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 3 }), deepValue);
  const invalidForAll: fc.Arbitrary<BodyCase>[] = [
    fc.tuple(anyJson, otherContentType).map(([value, contentType]) => ({
      wire: { text: JSON.stringify(value) || '1', contentType, shape: 'wrong content type' },
      verdict: 'invalid' as const,
    })),
    anyJson.map((value) => ({
      wire: { text: JSON.stringify(value) || '1', shape: 'no content type' },
      verdict: 'invalid' as const,
    })),
    fc
      .tuple(notJson, jsonContentType)
      .map(([text, contentType]) => ({ wire: { text, contentType, shape: 'not JSON' }, verdict: 'invalid' })),
    fc
      .tuple(poisoned, jsonContentType)
      .map(([text, contentType]) => ({ wire: { text, contentType, shape: 'poisoned' }, verdict: 'invalid' })),
  ];
  if (!spec) {
    // A JSON body on a route that takes none is ignored: whatever else decides.
    const ignored = fc
      .oneof(fc.jsonValue({ maxDepth: 3 }), deepValue, hugeValue)
      .chain((value) => jsonWire(value, 'ignored JSON'))
      .map((wire): BodyCase => ({ wire, verdict: 'valid' }));
    return fc.oneof(
      { weight: 1, arbitrary: ignored },
      ...invalidForAll.map((arbitrary) => ({ weight: 2, arbitrary })),
    );
  }
  const notAnObject = fc
    .oneof(
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      fc.string({ maxLength: 30 }),
      fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
      deepValue.filter(Array.isArray),
      hugeValue.filter((value) => typeof value === 'string' || Array.isArray(value)),
    )
    .chain((value) => jsonWire(value, 'JSON that is not an object'));
  const defective = defectiveObject(spec).chain(({ value, shape }) => jsonWire(value, shape));
  const mustHaveBody = spec.optional
    ? []
    : [
        fc.oneof(
          fc.constant(absent.wire),
          emptyText.map((body) => body.wire),
        ),
      ];
  return fc.oneof(
    ...invalidForAll.map((arbitrary) => ({ weight: 1, arbitrary })),
    { weight: 2, arbitrary: notAnObject.map((wire): BodyCase => ({ wire, verdict: 'invalid' })) },
    { weight: 6, arbitrary: defective.map((wire): BodyCase => ({ wire, verdict: 'invalid' })) },
    ...mustHaveBody.map((arbitrary) => ({
      weight: 1,
      arbitrary: arbitrary.map(
        (wire): BodyCase => ({ wire: { ...wire, shape: 'missing body' }, verdict: 'invalid' }),
      ),
    })),
  );
}

/** Bodies of any kind and any route, for the oracle-free property. */
export const anyBody: fc.Arbitrary<WireBody> = fc.oneof(
  fc.constant<WireBody>({ shape: 'absent' }),
  fc.jsonValue({ maxDepth: 4 }).chain((value) => jsonWire(value, 'any JSON')),
  fc
    .tuple(fc.oneof(fc.jsonValue({ maxDepth: 3 }), hugeValue), fc.option(otherContentType))
    .map(([value, contentType]) => ({
      text: JSON.stringify(value) || '1',
      ...(contentType === null ? {} : { contentType }),
      shape: 'any JSON, any content type',
    })),
  fc
    .tuple(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.oneof(jsonContentType, otherContentType),
      fc.boolean(),
    )
    .map(([text, contentType, encoded]) => ({ text, contentType, base64: encoded, shape: 'any text' })),
);

// ------------------------------------------------------------------------------------------ headers

/** Headers a client may add; none of them may change the outcome for invalid input. */
export const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.dictionary(
  fc.constantFrom(
    'Cache-Control',
    'cache-control',
    'Accept',
    'X-Forwarded-For',
    'X-Amzn-Trace-Id',
    'If-None-Match',
  ),
  fc.oneof(
    fc.constantFrom('no-cache', 'no-store, no-cache', 'max-age=0', '*/*', ''),
    fc.string({ maxLength: 40 }),
  ),
  { maxKeys: 2 },
);

// ----------------------------------------------------------------------------------- field helpers

/** Printable text without control characters, 1..max UTF-16 units. */
export const printable = (max: number) =>
  fc
    .oneof(
      fc.string({ minLength: 1, maxLength: Math.min(max, 64) }),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 16 }),
    )
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the rule being restated refuses them
    .filter((text) => text.length <= max && !/[\u0000-\u001f\u007f]/.test(text));

/** Text a `printable(max)` field refuses. */
export const notPrintable = (max: number) =>
  fc.oneof(
    fc.constant(''),
    fc.constantFrom('\u0000', 'a\nb', '\t', 'x\u007f', '\u001b[31m'),
    fc.integer({ min: max + 1, max: max + 5000 }).map((length) => 'a'.repeat(length)),
  );

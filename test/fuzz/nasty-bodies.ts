/** Hand-picked request bodies that broke or could break request handling: each inside the server's max_payload. */
export interface NastyBody {
  label: string;
  bytes: Uint8Array;
}

const encoder = new TextEncoder();
const text = (label: string, body: string): NastyBody => ({ label, bytes: encoder.encode(body) });

export function nastyBodies(maxPayload: number): NastyBody[] {
  // Room for the request's subject and headers; the bodies stay below what the server takes.
  const room = maxPayload - 4096;
  const deep = (levels: number, open: string, close: string, inner = '1') => open.repeat(levels) + inner + close.repeat(levels);
  const manyItems = (item: string) => {
    const count = Math.floor((room - 200) / (item.length + 1));
    return `[${Array.from({ length: count }, () => item).join(',')}]`;
  };
  const bodies: NastyBody[] = [
    // Empty and not objects.
    { label: 'empty', bytes: new Uint8Array() },
    text('whitespace', '   \n\t '),
    text('null', 'null'),
    text('true', 'true'),
    text('number', '42'),
    text('string', '"a string"'),
    text('array', '[]'),
    text('array of objects', '[{"id":"x"}]'),
    text('BOM then object', '\ufeff{}'),
    text('truncated JSON', '{"id":'),
    text('two documents', '{}{}'),
    // Invalid UTF-8 and odd code points.
    { label: 'invalid UTF-8', bytes: Uint8Array.from([0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]) },
    { label: 'lone surrogate bytes', bytes: Uint8Array.from([0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x3a, 0x31, 0x7d]) },
    { label: 'raw binary', bytes: Uint8Array.from({ length: 256 }, (_, i) => i) },
    text('NUL and control characters in values', '{"id":"a\\u0000b","name":"\\r\\nPUB x 1\\r\\n","agentId":"a b","taskId":"t\\r\\n"}'),
    // Deep nesting, in objects and in arrays, at the top and inside a known field.
    text('deep arrays', `{"tasks":${deep(20_000, '[', ']')}}`),
    text('deep objects', `{"agents":${deep(20_000, '{"a":', '}')}}`),
    text('deep at the top', deep(100_000, '{"id":', '}')),
    // Huge arrays and strings.
    text('huge array of numbers', `{"tasks":${manyItems('1')}}`),
    text('huge array of empty objects', `{"agents":${manyItems('{}')}}`),
    text('huge array of small tasks', `{"tasks":${manyItems('{"id":"t","priority":"low"}')}}`),
    text('huge string', `{"id":"${'x'.repeat(room - 20)}"}`),
    text('huge key', `{"${'k'.repeat(room - 20)}":1}`),
    text('many keys', `{${Array.from({ length: Math.floor(room / 12) }, (_, i) => `"k${i}":1`).join(',')}}`),
    text('duplicate keys', `{"id":"a","id":{"x":1},"id":[1]}`),
    // Prototype-like keys with odd values, at the top and nested.
    text('__proto__ object', '{"__proto__":{"isAdmin":true,"id":"x"}}'),
    text('__proto__ null', '{"__proto__":null}'),
    text('__proto__ array', '{"__proto__":[1,2]}'),
    text('constructor number', '{"constructor":1}'),
    text('constructor prototype', '{"constructor":{"prototype":{"polluted":1}}}'),
    text('prototype string', '{"prototype":"x"}'),
    text('nested __proto__', '{"tasks":[{"id":"t","priority":"low","__proto__":{"id":1}}],"agents":[{"constructor":{}}]}'),
    text('__proto__ in a record field', '{"id":"t","priority":"low","requiredCapabilities":[{"capabilityId":"c","parameters":{"__proto__":{"x":1}}}]}'),
    text('toString key', '{"toString":1,"valueOf":{},"hasOwnProperty":null}'),
    // Numbers at and past the edges.
    text('unsafe integers', '{"holdMs":9007199254740993,"limit":9007199254740993,"currentLoad":-9007199254740993,"maxLoad":1e308,"requestId":1e400}'),
    text('negative zero and tiny', '{"holdMs":-0,"limit":1e-400,"trustScore":5e-324}'),
    text('NaN-like strings', '{"holdMs":"NaN","limit":"Infinity","currentLoad":"-Infinity","trustScore":"1e999","maxLoad":"0x10"}'),
    text('numbers as strings everywhere', '{"id":1,"priority":2,"tasks":"3","agents":4,"key":5,"op":6}'),
    // Shapes close to valid with one thing wrong.
    text('task with huge dependency list', `{"id":"t","priority":"low","dependencies":${manyItems('"d"')}}`),
    text('conflict with cyclic self dependency', '{"tasks":[{"id":"a","priority":"low","dependencies":["a"]}]}'),
    text('ledger command with odd op', '{"op":"constructor","key":"__proto__","value":"x"}'),
    text('decision with empty lists', '{"id":"d","title":"t","alternatives":[],"criteria":[],"stakeholders":[],"votingSystem":"borda"}'),
    text('agent with token-breaking id', '{"id":"a.b c\\r\\n","name":"n","type":"t","capabilities":[],"state":"available","currentLoad":0,"maxLoad":1,"trustScore":1}'),
  ];
  for (const b of bodies) if (b.bytes.byteLength > room) throw new Error(`nasty body "${b.label}" is ${b.bytes.byteLength} bytes, over ${room}`);
  return bodies;
}

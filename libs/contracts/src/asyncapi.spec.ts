import { getMetadataStorage } from 'class-validator';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { REQUEST_PAYLOADS } from './channel-payloads';
import { CHANNELS, type ChannelName } from './channels';

type Node = Record<string, unknown>;

const doc = parse(readFileSync(path.resolve(__dirname, '../../../docs/asyncapi.yaml'), 'utf8')) as Node;
const channels = doc.channels as Record<string, Node>;

function resolve(node: Node): Node {
  const ref = node.$ref as string | undefined;
  if (!ref) return node;
  const target = ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((at, key) => (at as Node)?.[key], doc) as Node | undefined;
  if (!target) throw new Error(`docs/asyncapi.yaml: ${ref} does not exist`);
  return resolve(target);
}

/** Top-level property names of a payload schema, through $ref and allOf. */
function propertyNames(schema: Node): string[] {
  const s = resolve(schema);
  const own = Object.keys((s.properties as Node | undefined) ?? {});
  const merged = ((s.allOf as Node[] | undefined) ?? []).flatMap(propertyNames);
  return [...new Set([...own, ...merged])].sort();
}

function dtoFields(dto: new () => object): string[] {
  const names = getMetadataStorage()
    .getTargetValidationMetadatas(dto, '', true, false)
    .map((m) => m.propertyName);
  return [...new Set(names)].sort();
}

/** The message a client sends on a channel: `request` on request/reply channels, `task` on the task stream. */
function requestPayload(name: string): Node | undefined {
  const messages = (channels[name]?.messages as Record<string, Node> | undefined) ?? {};
  const message = messages.request ?? messages.task;
  return message ? (resolve(message).payload as Node | undefined) : undefined;
}

describe('docs/asyncapi.yaml and libs/contracts describe the same wire contract', () => {
  it('every channel of the document is a subject the code defines, and the reverse', () => {
    expect(Object.keys(channels).sort()).toEqual(Object.keys(CHANNELS).sort());
  });

  it.each(Object.keys(CHANNELS) as ChannelName[])('%s has the same address', (name) => {
    expect(channels[name]?.address).toBe(`ossa.${CHANNELS[name].address}`);
  });

  it.each(Object.entries(REQUEST_PAYLOADS) as [ChannelName, new () => object][])('%s: the request payload names the DTO fields', (name, dto) => {
    const payload = requestPayload(name);
    expect(payload).toBeDefined();
    expect(propertyNames(payload!)).toEqual(dtoFields(dto));
  });
});

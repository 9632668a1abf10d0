import {type Document, isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode} from 'yaml';
import {InputError} from '../util/errors.js';

/** A YAML document read with its line positions, and its plain value. */
export interface YamlRead {
  doc: Document;
  lc: LineCounter;
  data: unknown;
}

/**
 * Parses YAML text read from `file` (duplicate keys refused). Throws InputError as `file:line:col: message`
 * on a syntax error, and as `file:1:1: message` when the yaml library stops an alias bomb or deep nesting
 * (more than `maxAliasCount` alias expansions).
 */
export function readYaml(text: string, file: string, maxAliasCount: number): YamlRead {
  const lc = new LineCounter();
  const doc = parseDocument(text, {lineCounter: lc, prettyErrors: false, uniqueKeys: true});
  if (doc.errors.length) {
    const e = doc.errors[0];
    const pos = e?.linePos?.[0];
    throw new InputError(`${file}:${pos?.line ?? 1}:${pos?.col ?? 1}: ${e?.message.split('\n')[0] ?? 'invalid YAML'}`);
  }
  let data: unknown;
  try {
    data = doc.toJS({maxAliasCount});
  } catch (e) {
    throw new InputError(`${file}:1:1: ${(e as Error).message.split('\n')[0]}`);
  }
  return {doc, lc, data};
}

/** Where the value at `path` stands (1-based line and column), or its closest existing parent; else 1:1. */
export function positionOf(y: YamlRead, path: (string | number)[]): {line: number; col: number} {
  const node = nodeAt(y.doc.contents as YamlNode | null, path);
  return node?.range ? y.lc.linePos(node.range[0]) : {line: 1, col: 1};
}

/** The YAML node a validation issue points at (for file:line:col); the closest existing parent otherwise. */
function nodeAt(root: YamlNode | null, path: (string | number)[]): YamlNode | null {
  let n: YamlNode | null = root;
  for (const k of path) {
    if (isMap(n)) {
      const pair = n.items.find((p) => (p.key as {value?: unknown})?.value === k);
      if (!pair) return n;
      n = (pair.value as YamlNode) ?? (pair.key as YamlNode);
    } else if (isSeq(n) && typeof k === 'number') {
      n = (n.items[k] as YamlNode) ?? n;
    } else return n;
  }
  return n;
}

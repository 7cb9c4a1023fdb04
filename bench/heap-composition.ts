/**
 * What the heap is made of, from a V8 heap snapshot: the program's data (objects, arrays,
 * strings, closures, buffers) apart from the runtime's own (compiled code with its feedback and
 * metadata; hidden classes and other internal objects). Summing the first kind tells whether a
 * loop keeps data as it goes, whatever the JIT adds meanwhile. Slow (a snapshot of the whole
 * heap), so the bench takes it twice per child at most and leaves its time out of the drain's.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';

export interface HeapComposition {
  /** Objects, arrays, strings, closures, regexps, numbers, symbols, native buffers. */
  readonly dataBytes: number;
  /** Node type `code`: machine code, bytecode, feedback vectors, deoptimization data. */
  readonly codeBytes: number;
  /** Hidden classes (object shapes) and the runtime's hidden and synthetic objects. */
  readonly runtimeBytes: number;
}

interface Snapshot {
  readonly snapshot: { readonly meta: { readonly node_fields: string[]; readonly node_types: [string[]] } };
  readonly nodes: number[];
}

const CODE_TYPES = new Set(['code']);
const RUNTIME_TYPES = new Set(['hidden', 'object shape', 'synthetic']);

/** Splits a parsed snapshot's self sizes by node type into data, code and the runtime's own. */
export function composition(snapshot: Snapshot): HeapComposition {
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const typeAt = fields.indexOf('type');
  const sizeAt = fields.indexOf('self_size');
  let dataBytes = 0;
  let codeBytes = 0;
  let runtimeBytes = 0;
  for (let i = 0; i < snapshot.nodes.length; i += fields.length) {
    const type = types[snapshot.nodes[i + typeAt] as number] ?? '';
    const size = snapshot.nodes[i + sizeAt] as number;
    if (CODE_TYPES.has(type)) codeBytes += size;
    else if (RUNTIME_TYPES.has(type)) runtimeBytes += size;
    else dataBytes += size;
  }
  return { dataBytes, codeBytes, runtimeBytes };
}

const THIS_FILE = fileURLToPath(import.meta.url);

/**
 * Takes a heap snapshot of this process (it runs a full GC first) and returns its composition.
 * The snapshot file is parsed in a process of its own: parsed here, its tens of megabytes of
 * JSON would grow this process's heap and resident set, which the bench measures, for the
 * rest of the drain.
 */
export function heapComposition(): HeapComposition {
  const file = writeHeapSnapshot(join(tmpdir(), `pagewalk-bench-${process.pid}-${Date.now()}.heapsnapshot`));
  try {
    const out = execFileSync(process.execPath, ['--import', 'tsx', THIS_FILE, file], {
      encoding: 'utf8',
      maxBuffer: 1 << 16,
    });
    return JSON.parse(out) as HeapComposition;
  } finally {
    rmSync(file, { force: true });
  }
}

// Run as a script (by heapComposition): prints the composition of the snapshot file it is given.
if (process.argv[1] === THIS_FILE && process.argv[2]) {
  const snapshot = JSON.parse(readFileSync(process.argv[2], 'utf8')) as Snapshot;
  process.stdout.write(JSON.stringify(composition(snapshot)));
}

/** b − a, field by field. */
export function compositionGrowth(a: HeapComposition, b: HeapComposition): HeapComposition {
  return {
    dataBytes: b.dataBytes - a.dataBytes,
    codeBytes: b.codeBytes - a.codeBytes,
    runtimeBytes: b.runtimeBytes - a.runtimeBytes,
  };
}

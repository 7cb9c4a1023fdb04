// @ts-check
/**
 * The graph view: an ASL definition laid out with dagre and drawn as SVG, read from the
 * definition itself (whatever states it has, a Map's inner states in a box of their own), and
 * coloured by each state's status as the execution runs. Layout happens once per definition;
 * a refresh only changes classes.
 */
import dagre from '@dagrejs/dagre';
import { svg } from './dom.js';

/** @typedef {{ Type?: string, Next?: string, End?: boolean, Default?: string, Choices?: Array<{ Next?: string }>, Catch?: Array<{ Next?: string }>, ItemProcessor?: Definition, Iterator?: Definition, Branches?: Definition[] }} AslState */
/** @typedef {{ StartAt?: string, States?: Record<string, AslState> }} Definition */
/** @typedef {{ id: string, label: string, kind: 'state' | 'start' | 'end', type?: string, x: number, y: number, width: number, height: number }} LaidNode */
/** @typedef {{ id: string, label: string, x: number, y: number, width: number, height: number }} LaidCluster */
/** @typedef {{ from: string, to: string, kind: 'next' | 'catch', points: Array<{ x: number, y: number }> }} LaidEdge */
/** @typedef {{ nodes: LaidNode[], clusters: LaidCluster[], edges: LaidEdge[], x: number, y: number, width: number, height: number }} Layout */

/** The statuses the graph colours, in the legend's order, with the glyph that says them without colour. */
export const STATUSES = /** @type {const} */ ([
  ['notRun', 'Not run', ''],
  ['running', 'Running', '●'],
  ['succeeded', 'Succeeded', '✓'],
  ['retried', 'Retried', '↻'],
  ['caught', 'Caught error', '⤷'],
  ['failed', 'Failed', '✕'],
  ['stopped', 'Stopped', '■'],
]);

const START = '\u0000start';
const END = '\u0000end';
const NODE_HEIGHT = 34;

/** @type {CanvasRenderingContext2D | null} */
let measure = null;
/** @param {string} text */
function textWidth(text) {
  measure ??= document.createElement('canvas').getContext('2d');
  if (!measure) return text.length * 7.5;
  measure.font = '13px system-ui, -apple-system, "Segoe UI", sans-serif';
  return measure.measureText(text).width;
}

/**
 * The states a state goes on to, and how (a Catch is drawn dashed).
 * @param {AslState} state
 * @returns {Array<{ to: string, kind: 'next' | 'catch' }>}
 */
function successors(state) {
  /** @type {Array<{ to: string, kind: 'next' | 'catch' }>} */
  const out = [];
  const add = (/** @type {string | undefined} */ to, /** @type {'next' | 'catch'} */ kind) => {
    if (to && !out.some((e) => e.to === to)) out.push({ to, kind });
  };
  add(state.Next, 'next');
  for (const choice of state.Choices ?? []) add(choice.Next, 'next');
  add(state.Default, 'next');
  for (const c of state.Catch ?? []) add(c.Next, 'catch');
  if (state.End || state.Type === 'Succeed' || state.Type === 'Fail') out.push({ to: END, kind: 'next' });
  return out;
}

/**
 * Lays out a definition: a start and an end node, a node per state, a box per Map (its inner
 * states inside; edges into the Map go to its first state, edges out of it leave from its last).
 * @param {Definition} definition
 * @returns {Layout}
 */
export function layoutDefinition(definition) {
  const g = new dagre.graphlib.Graph({ compound: true });
  g.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 34, edgesep: 12, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  /** @type {Map<string, { entry: string, exits: string[] }>} */
  const maps = new Map();
  /** @type {Array<{ from: string, to: string, kind: 'next' | 'catch' }>} */
  const wanted = [];

  /**
   * @param {Definition} def
   * @param {string | undefined} parent
   * @returns {string[]} the states that end this (sub)machine
   */
  const addStates = (def, parent) => {
    /** @type {string[]} */
    const exits = [];
    for (const [name, state] of Object.entries(def.States ?? {})) {
      const inner = state.ItemProcessor ?? state.Iterator;
      if (state.Type === 'Map' && inner?.States) {
        g.setNode(name, { label: name, cluster: true });
        if (parent) g.setParent(name, parent);
        const innerExits = addStates(inner, name);
        maps.set(name, { entry: inner.StartAt ?? '', exits: innerExits });
      } else {
        g.setNode(name, {
          label: name,
          width: Math.max(120, textWidth(name) + 44),
          height: NODE_HEIGHT,
          type: state.Type,
        });
        if (parent) g.setParent(name, parent);
      }
      for (const edge of successors(state)) {
        if (edge.to === END && parent) exits.push(name);
        else wanted.push({ from: name, ...edge });
      }
    }
    return exits;
  };
  g.setNode(START, { label: 'Start', width: 56, height: 28, kind: 'start' });
  g.setNode(END, { label: 'End', width: 56, height: 28, kind: 'end' });
  addStates(definition, undefined);
  if (definition.StartAt) wanted.unshift({ from: START, to: definition.StartAt, kind: 'next' });

  /** @param {string} id @returns {string} */
  const into = (id) => (maps.has(id) ? into(maps.get(id)?.entry ?? id) : id);
  /** @param {string} id @returns {string[]} */
  const outOf = (id) => (maps.has(id) ? (maps.get(id)?.exits ?? []).flatMap(outOf) : [id]);
  for (const edge of wanted) {
    for (const from of outOf(edge.from)) {
      const to = into(edge.to);
      // A Catch is drawn, but barely weighs on the layout: the main flow stays straight.
      if (g.hasNode(to) && g.hasNode(from) && !g.hasEdge(from, to))
        g.setEdge(from, to, { kind: edge.kind, weight: edge.kind === 'catch' ? 1 : 2 });
    }
  }
  dagre.layout(g);

  /** @type {LaidNode[]} */
  const nodes = [];
  /** @type {LaidCluster[]} */
  const clusters = [];
  for (const id of g.nodes()) {
    const n = g.node(id);
    if (maps.has(id)) clusters.push({ id, label: id, x: n.x, y: n.y, width: n.width, height: n.height });
    else
      nodes.push({
        id,
        label: n.label ?? id,
        kind: id === START ? 'start' : id === END ? 'end' : 'state',
        type: n.type,
        x: n.x,
        y: n.y,
        width: n.width,
        height: n.height,
      });
  }
  /** @type {LaidEdge[]} */
  const edges = g.edges().map((e) => ({
    from: e.v,
    to: e.w,
    kind: /** @type {'next' | 'catch'} */ (g.edge(e).kind ?? 'next'),
    points: g.edge(e).points ?? [],
  }));
  // dagre routes some edges outside the box it reports: frame everything that is drawn.
  const xs = [
    ...[...nodes, ...clusters].flatMap((n) => [n.x - n.width / 2, n.x + n.width / 2]),
    ...edges.flatMap((e) => e.points.map((p) => p.x)),
  ];
  const ys = [
    ...[...nodes, ...clusters].flatMap((n) => [n.y - n.height / 2 - 18, n.y + n.height / 2]),
    ...edges.flatMap((e) => e.points.map((p) => p.y)),
  ];
  const margin = 12;
  const x = Math.floor(Math.min(...xs) - margin);
  const y = Math.floor(Math.min(...ys) - margin);
  return {
    nodes,
    clusters,
    edges,
    x,
    y,
    width: Math.ceil(Math.max(...xs) + margin - x),
    height: Math.ceil(Math.max(...ys) + margin - y),
  };
}

/**
 * A smooth path through dagre's edge points: straight to the middle of each segment, curving
 * around each bend point.
 * @param {Array<{ x: number, y: number }>} points
 */
function pathOf(points) {
  const at = (/** @type {{ x: number, y: number }} */ p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`;
  const mid = (/** @type {{ x: number, y: number }} */ a, /** @type {{ x: number, y: number }} */ b) => ({
    x: (a.x + b.x) / 2,
    y: (a.y + b.y) / 2,
  });
  const [first, ...rest] = points;
  if (!first) return '';
  let d = `M${at(first)}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const bend = /** @type {{ x: number, y: number }} */ (rest[i]);
    d += ` L${at(mid(i === 0 ? first : /** @type {{ x: number, y: number }} */ (rest[i - 1]), bend))} Q${at(bend)} ${at(mid(bend, /** @type {{ x: number, y: number }} */ (rest[i + 1])))}`;
  }
  const last = rest[rest.length - 1];
  return last ? `${d} L${at(last)}` : d;
}

/**
 * Draws a layout. `select(name)` is called when a state is clicked (or chosen with the keyboard).
 * @param {Layout} layout
 * @param {(name: string) => void} select
 */
export function drawGraph(layout, select) {
  /** @type {Map<string, SVGElement>} */
  const stateElements = new Map();
  /** @type {Map<string, SVGElement>} */
  const edgeElements = new Map();
  const root = svg('svg', {
    class: 'graph',
    width: layout.width,
    height: layout.height,
    viewBox: `${layout.x} ${layout.y} ${layout.width} ${layout.height}`,
    role: 'group',
    'aria-label': 'State machine graph',
  });
  root.append(
    svg(
      'defs',
      {},
      svg(
        'marker',
        {
          id: 'arrow',
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 9,
          markerHeight: 9,
          // The same size on a thin edge and on a taken (thicker) one.
          markerUnits: 'userSpaceOnUse',
          orient: 'auto-start-reverse',
        },
        svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' }),
      ),
    ),
  );
  for (const cluster of layout.clusters) {
    const group = svg(
      'g',
      {
        class: 'cluster status-notRun',
        'data-state': cluster.id,
        tabindex: 0,
        role: 'button',
        onclick: () => select(cluster.id),
      },
      svg('title', {}, `${cluster.label} (Map)`),
      // The label sits in a band above the inner states, which dagre packs to the box's edge.
      svg('rect', {
        x: cluster.x - cluster.width / 2,
        y: cluster.y - cluster.height / 2 - 18,
        width: cluster.width,
        height: cluster.height + 18,
        rx: 8,
      }),
      svg(
        'text',
        {
          x: cluster.x - cluster.width / 2 + 10,
          y: cluster.y - cluster.height / 2 - 4,
          class: 'cluster-label',
        },
        `${cluster.label} · Map`,
      ),
    );
    group.addEventListener('keydown', (event) => {
      if (/** @type {KeyboardEvent} */ (event).key === 'Enter') select(cluster.id);
    });
    stateElements.set(cluster.id, group);
    root.append(group);
  }
  for (const edge of layout.edges) {
    const path = svg('path', {
      d: pathOf(edge.points),
      class: `edge ${edge.kind}`,
      'marker-end': 'url(#arrow)',
    });
    edgeElements.set(`${edge.from}\u0000${edge.to}`, path);
    root.append(path);
  }
  for (const node of layout.nodes) {
    const x = node.x - node.width / 2;
    const y = node.y - node.height / 2;
    if (node.kind !== 'state') {
      root.append(
        svg(
          'g',
          { class: `terminal ${node.kind}` },
          svg('rect', { x, y, width: node.width, height: node.height, rx: node.height / 2 }),
          svg('text', { x: node.x, y: node.y + 4, 'text-anchor': 'middle' }, node.label),
        ),
      );
      continue;
    }
    const glyph = svg('text', { x: x + 14, y: node.y + 4, 'text-anchor': 'middle', class: 'glyph' }, '');
    const title = svg('title', {}, node.label);
    const group = svg(
      'g',
      {
        class: 'node status-notRun',
        'data-state': node.id,
        tabindex: 0,
        role: 'button',
        onclick: () => select(node.id),
      },
      title,
      svg('rect', { x, y, width: node.width, height: node.height, rx: 6 }),
      glyph,
      svg('text', { x: node.x + 8, y: node.y + 4, 'text-anchor': 'middle' }, node.label),
    );
    group.addEventListener('keydown', (event) => {
      if (/** @type {KeyboardEvent} */ (event).key === 'Enter') select(node.id);
    });
    stateElements.set(node.id, group);
    root.append(group);
  }

  return {
    element: root,
    /**
     * Colours the states and the transitions taken, and marks the selected state.
     * @param {Record<string, { status: string, entered: number, retries: number, caught: number }>} states
     * @param {Array<{ from: string, to: string, count: number }>} taken
     * @param {string | undefined} selected
     */
    update(states, taken, selected) {
      for (const [name, element] of stateElements) {
        const s = states[name];
        const status = s?.status ?? 'notRun';
        const label = STATUSES.find(([key]) => key === status);
        element.setAttribute(
          'class',
          `${element.classList.contains('cluster') ? 'cluster' : 'node'} status-${status}${name === selected ? ' selected' : ''}`,
        );
        element.setAttribute('aria-pressed', String(name === selected));
        const glyph = element.querySelector('.glyph');
        if (glyph) glyph.textContent = label?.[2] ?? '';
        const title = element.querySelector('title');
        if (title)
          title.textContent = `${name}: ${label?.[1] ?? status}${s?.entered ? ` · entered ${s.entered}×` : ''}${s?.retries ? ` · ${s.retries} retries` : ''}${s?.caught ? ` · ${s.caught} caught` : ''}`;
      }
      const takenKeys = new Set(taken.map((e) => `${e.from}\u0000${e.to}`));
      for (const [key, element] of edgeElements) element.classList.toggle('taken', takenKeys.has(key));
    },
  };
}

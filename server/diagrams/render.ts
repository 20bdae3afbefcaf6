import elkModule from 'elkjs/lib/elk.bundled.js';
import type { ELK, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import type { MachineGraph } from './machine-graph.js';

// Lays a machine graph out with ELK (layered) and draws it as standalone SVG. The layout does
// not depend on which state is current, so it is computed once per machine and reused.

const NAME_FONT = 14;
const DETAIL_FONT = 11;
const LABEL_FONT = 11;
const charWidth = (fontSize: number) => fontSize * 0.62;

interface Positioned {
  graph: MachineGraph;
  width: number;
  height: number;
  /** States and compound states, by id */
  nodes: Map<string, Box>;
  edges: Map<
    string,
    {
      points: { x: number; y: number }[];
      label?: Box;
    }
  >;
}

// The bundle is CommonJS exporting the constructor itself; its typings describe an ES default.
const ElkConstructor = ((elkModule as unknown as { default?: unknown }).default ??
  elkModule) as new () => ELK;
const elk = new ElkConstructor();
const layouts = new Map<string, Promise<Positioned>>();

function layoutMachine(graph: MachineGraph): Promise<Positioned> {
  let layout = layouts.get(graph.id);
  if (!layout) {
    layout = computeLayout(graph);
    layouts.set(graph.id, layout);
  }
  return layout;
}

function edgeLabel(edge: MachineGraph['transitions'][number]): string {
  return edge.guard ? `${edge.event} [${edge.guard}]` : edge.event;
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const COMPOUND_LABEL_HEIGHT = 30;

function stateSize(state: MachineGraph['states'][number]): { width: number; height: number } {
  const textWidth = Math.max(
    state.label.length * charWidth(NAME_FONT),
    ...state.details.map((line) => line.length * charWidth(DETAIL_FONT)),
  );
  return {
    width: Math.ceil(textWidth + 32),
    height: 34 + state.details.length * (DETAIL_FONT + 5),
  };
}

// Compound states are ELK compound nodes: each holds its states (and, for a parallel state, its
// regions), laid out with the rest in one pass so transitions may cross their borders. Every
// coordinate ELK answers is absolute (`json.shapeCoords`, `json.edgeCoords`: ROOT).
async function computeLayout(graph: MachineGraph): Promise<Positioned> {
  // A transition is laid out inside the innermost compound state holding both its ends.
  const parentOf = new Map<string, string | undefined>(
    [...graph.compounds, ...graph.states].map((v) => [v.id, v.parent]),
  );
  const ancestors = (id: string): (string | undefined)[] => {
    const parent = parentOf.get(id);
    return parent === undefined ? [undefined] : [parent, ...ancestors(parent)];
  };
  const containerOf = (edge: MachineGraph['transitions'][number]) => {
    const around = ancestors(edge.target);
    return ancestors(edge.source).find((a) => around.includes(a));
  };
  const edgesIn = (container: string | undefined) =>
    graph.transitions
      .filter((edge) => containerOf(edge) === container)
      .map((edge): ElkExtendedEdge => ({
        id: edge.id,
        sources: [edge.source],
        targets: [edge.target],
        labels: [
          {
            text: edgeLabel(edge),
            width: Math.ceil(edgeLabel(edge).length * charWidth(LABEL_FONT) + 8),
            height: LABEL_FONT + 6,
          },
        ],
      }));
  const layered = {
    'elk.algorithm': 'layered',
    'elk.direction': 'DOWN',
    'elk.edgeRouting': 'SPLINES',
    'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
    'elk.layered.considerModelOrder.components': 'MODEL_ORDER',
    'elk.layered.spacing.nodeNodeBetweenLayers': '55',
    'elk.spacing.nodeNode': '80',
    'elk.spacing.edgeLabel': '4',
    'elk.edgeLabels.inline': 'false',
  };
  const childrenOf = (parent: string | undefined): ElkNode[] => [
    ...graph.compounds
      .filter((c) => c.parent === parent)
      .map((compound): ElkNode => ({
        id: compound.id,
        layoutOptions: {
          'elk.padding': `[top=${COMPOUND_LABEL_HEIGHT + 12},left=${compound.parallel ? 16 : 40},bottom=16,right=16]`,
          'elk.nodeSize.constraints': 'MINIMUM_SIZE',
          'elk.nodeSize.minimum': `(${Math.ceil(compound.label.length * charWidth(NAME_FONT) + 40)}, 60)`,
          ...layered,
          ...(compound.parallel
            ? { 'elk.spacing.componentComponent': '24', 'elk.aspectRatio': '2' }
            : {}),
        },
        children: childrenOf(compound.id),
        edges: edgesIn(compound.id),
      })),
    ...graph.states
      .filter((s) => s.parent === parent)
      .map((state): ElkNode => ({ id: state.id, ...stateSize(state) })),
  ];
  // Each compound state is laid out on its own, inside out, unless a transition crosses a
  // compound state's border: then the whole hierarchy is laid out at once.
  const crossing = graph.transitions.some(
    (edge) => parentOf.get(edge.source) !== parentOf.get(edge.target),
  );
  const root: ElkNode = {
    id: 'root',
    layoutOptions: {
      ...layered,
      'elk.hierarchyHandling': crossing ? 'INCLUDE_CHILDREN' : 'SEPARATE_CHILDREN',
      'elk.json.shapeCoords': 'ROOT',
      'elk.json.edgeCoords': 'ROOT',
      'elk.padding': '[top=30,left=40,bottom=30,right=30]',
    },
    children: childrenOf(undefined),
    edges: edgesIn(undefined),
  };
  const laid = await elk.layout(root);
  const nodes: Positioned['nodes'] = new Map();
  const visit = (node: ElkNode) => {
    for (const child of node.children ?? []) {
      nodes.set(child.id, {
        x: child.x ?? 0,
        y: child.y ?? 0,
        width: child.width ?? 0,
        height: child.height ?? 0,
      });
      visit(child);
    }
  };
  visit(laid);
  const allEdges = (node: ElkNode): ElkExtendedEdge[] => [
    ...(node.edges ?? []),
    ...(node.children ?? []).flatMap(allEdges),
  ];
  const edges: Positioned['edges'] = new Map(
    allEdges(laid).map((e) => {
      const points = (e.sections ?? []).flatMap((s) => [
        s.startPoint,
        ...(s.bendPoints ?? []),
        s.endPoint,
      ]);
      const label = e.labels?.[0];
      return [
        e.id,
        {
          points,
          label: label
            ? {
                x: label.x ?? 0,
                y: label.y ?? 0,
                width: label.width ?? 0,
                height: label.height ?? 0,
              }
            : undefined,
        },
      ];
    }),
  );
  return {
    graph,
    width: Math.ceil(laid.width ?? 0),
    height: Math.ceil(laid.height ?? 0),
    nodes,
    edges,
  };
}

function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const style = `
.compound > rect { fill: #f1f5f9; stroke: #94a3b8; stroke-width: 1.2; }
.compound.parallel > rect { fill: #f8fafc; stroke: #475569; stroke-width: 1.5; }
.compound.region > rect { fill: #eef2ff; stroke: #6366f1; stroke-width: 1.2; stroke-dasharray: 6 4; }
.compound.active > rect { stroke: #b45309; stroke-width: 2; }
.compound text.label { font: 600 ${NAME_FONT}px system-ui, sans-serif; fill: #334155; }
.compound.region text.label { fill: #3730a3; }
.compound text.kind { font: italic ${DETAIL_FONT}px system-ui, sans-serif; fill: #64748b; }
.state rect { fill: #ffffff; stroke: #334155; stroke-width: 1.5; }
.state.final rect.outer { stroke-width: 3; }
.state.current rect { fill: #fde68a; stroke: #b45309; stroke-width: 3; }
.state text.name { font: 600 ${NAME_FONT}px system-ui, sans-serif; fill: #0f172a; }
.state text.detail { font: ${DETAIL_FONT}px system-ui, sans-serif; fill: #475569; }
.transition path { fill: none; stroke: #64748b; stroke-width: 1.4; }
.transition text { font: ${LABEL_FONT}px ui-monospace, monospace; fill: #1e3a8a; }
.transition rect { fill: #ffffff; opacity: 0.85; }
.initial { fill: #0f172a; stroke: #0f172a; }
`;

/**
 * The machine as SVG at its natural size, with the `current` states (ids; several in a parallel
 * machine) highlighted if given, and every compound state holding one marked active. Each state
 * is a `g.state[data-state]`, each compound state a `g.compound[data-compound]` (`.region` for a
 * region of a parallel state, `.parallel` for the parallel state), so a page can move the
 * highlight without drawing again.
 */
export async function machineSvg(
  graph: MachineGraph,
  options: { current?: string | string[]; title?: string } = {},
): Promise<string> {
  const layout = await layoutMachine(graph);
  const current = new Set(options.current === undefined ? [] : [options.current].flat());
  const active = (id: string) => [...current].some((c) => c.startsWith(`${id}.`));
  const markerId = `arrow-${graph.id}`;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="machine-diagram" data-machine="${escapeXml(graph.id)}" viewBox="0 0 ${layout.width} ${layout.height}" width="${layout.width}" height="${layout.height}" role="img">`,
    `<title>${escapeXml(options.title ?? graph.id)}${current.size > 0 ? ` — current state ${escapeXml([...current].join(', '))}` : ''}</title>`,
    `<style>${style}</style>`,
    `<defs><marker id="${markerId}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#64748b"/></marker></defs>`,
  );

  const initialDot = (box: Box) => {
    const cy = box.y + Math.min(box.height / 2, 17);
    return [
      `<circle class="initial" cx="${box.x - 28}" cy="${cy}" r="6"/>`,
      `<path d="M${box.x - 22},${cy} L${box.x - 2},${cy}" stroke="#0f172a" stroke-width="1.5" marker-end="url(#${markerId})"/>`,
    ];
  };

  // Outer boxes first (the graph lists a compound state before those inside it).
  parts.push('<g class="compounds">');
  for (const compound of graph.compounds) {
    const box = layout.nodes.get(compound.id);
    if (!box) continue;
    const classes = [
      'compound',
      compound.parallel ? 'parallel' : '',
      compound.region ? 'region' : '',
      active(compound.id) ? 'active' : '',
    ]
      .filter(Boolean)
      .join(' ');
    const kind = compound.parallel ? 'parallel: every region runs at once' : '';
    parts.push(
      `<g class="${classes}" data-compound="${escapeXml(compound.id)}"${compound.region ? ' data-region="true"' : ''}>`,
      `<rect x="${box.x}" y="${box.y}" width="${box.width}" height="${box.height}" rx="12"/>`,
      `<text class="label" x="${box.x + 14}" y="${box.y + 22}">${escapeXml(compound.label)}</text>`,
      kind
        ? `<text class="kind" x="${box.x + 24 + compound.label.length * charWidth(NAME_FONT)}" y="${box.y + 22}">${kind}</text>`
        : '',
      ...(compound.initial ? initialDot(box) : []),
      '</g>',
    );
  }
  parts.push('</g>', '<g class="transitions">');
  for (const edge of graph.transitions) {
    const drawn = layout.edges.get(edge.id);
    if (!drawn || drawn.points.length === 0) continue;
    const [first, ...rest] = drawn.points;
    const d = `M${first!.x},${first!.y} ${rest.map((p) => `L${p.x},${p.y}`).join(' ')}`;
    const label = edgeLabel(edge);
    parts.push(
      `<g class="transition" data-event="${escapeXml(edge.event)}" data-source="${escapeXml(edge.source)}" data-target="${escapeXml(edge.target)}"${edge.guard ? ` data-guard="${escapeXml(edge.guard)}"` : ''}>`,
      `<path d="${d}" marker-end="url(#${markerId})"/>`,
    );
    if (drawn.label) {
      const { x, y, width, height } = drawn.label;
      parts.push(
        `<rect x="${x}" y="${y}" width="${width}" height="${height}" rx="3"/>`,
        `<text x="${x + 4}" y="${y + height - 5}">${escapeXml(label)}</text>`,
      );
    }
    parts.push('</g>');
  }
  parts.push('</g>', '<g class="states">');
  for (const state of graph.states) {
    const box = layout.nodes.get(state.id);
    if (!box) continue;
    const isCurrent = current.has(state.id);
    const classes = ['state', state.final ? 'final' : '', isCurrent ? 'current' : '']
      .filter(Boolean)
      .join(' ');
    parts.push(
      `<g class="${classes}" data-state="${escapeXml(state.id)}"${state.final ? ' data-final="true"' : ''}${state.initial ? ' data-initial="true"' : ''}${isCurrent ? ' aria-current="true"' : ''}>`,
      `<rect class="outer" x="${box.x}" y="${box.y}" width="${box.width}" height="${box.height}" rx="10"/>`,
      `<text class="name" x="${box.x + 16}" y="${box.y + 22}">${escapeXml(state.label)}</text>`,
      ...state.details.map(
        (line, i) =>
          `<text class="detail" x="${box.x + 16}" y="${box.y + 22 + (i + 1) * (DETAIL_FONT + 5)}">${escapeXml(line)}</text>`,
      ),
      ...(state.initial ? initialDot(box) : []),
      '</g>',
    );
  }
  parts.push('</g></svg>');
  return parts.join('\n');
}

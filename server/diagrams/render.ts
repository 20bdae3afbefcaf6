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
  nodes: Map<string, { x: number; y: number; width: number; height: number }>;
  edges: Map<
    string,
    {
      points: { x: number; y: number }[];
      label?: { x: number; y: number; width: number; height: number };
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

async function computeLayout(graph: MachineGraph): Promise<Positioned> {
  const root: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.edgeRouting': 'SPLINES',
      'elk.layered.spacing.nodeNodeBetweenLayers': '55',
      'elk.spacing.nodeNode': '80',
      'elk.spacing.edgeLabel': '4',
      'elk.edgeLabels.inline': 'false',
      'elk.padding': '[top=30,left=40,bottom=30,right=30]',
    },
    children: graph.states.map((state) => {
      const textWidth = Math.max(
        state.id.length * charWidth(NAME_FONT),
        ...state.details.map((line) => line.length * charWidth(DETAIL_FONT)),
      );
      return {
        id: state.id,
        width: Math.ceil(textWidth + 32),
        height: 34 + state.details.length * (DETAIL_FONT + 5),
      };
    }),
    edges: graph.transitions.map((edge): ElkExtendedEdge => ({
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
    })),
  };
  const laid = await elk.layout(root);
  const nodes: Positioned['nodes'] = new Map(
    (laid.children ?? []).map((n) => [
      n.id,
      { x: n.x ?? 0, y: n.y ?? 0, width: n.width ?? 0, height: n.height ?? 0 },
    ]),
  );
  const edges: Positioned['edges'] = new Map(
    (laid.edges ?? []).map((e) => {
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
.state rect { fill: #f8fafc; stroke: #334155; stroke-width: 1.5; }
.state.final rect.outer { stroke-width: 3; }
.state.current rect { fill: #fde68a; stroke: #b45309; stroke-width: 3; }
.state text.name { font: 600 ${NAME_FONT}px system-ui, sans-serif; fill: #0f172a; }
.state text.detail { font: ${DETAIL_FONT}px system-ui, sans-serif; fill: #475569; }
.transition path { fill: none; stroke: #64748b; stroke-width: 1.4; }
.transition text { font: ${LABEL_FONT}px ui-monospace, monospace; fill: #1e3a8a; }
.transition rect { fill: #ffffff; opacity: 0.85; }
.initial { fill: #0f172a; stroke: #0f172a; }
`;

/** The machine as SVG, with the `current` states (ids; several in a parallel machine) highlighted if given. */
export async function machineSvg(
  graph: MachineGraph,
  options: { current?: string | string[]; title?: string } = {},
): Promise<string> {
  const layout = await layoutMachine(graph);
  const current = new Set(options.current === undefined ? [] : [options.current].flat());
  const markerId = `arrow-${graph.id}`;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="machine-diagram" data-machine="${escapeXml(graph.id)}" viewBox="0 0 ${layout.width} ${layout.height}" width="${layout.width}" height="${layout.height}" role="img">`,
    `<title>${escapeXml(options.title ?? graph.id)}${current.size > 0 ? ` — current state ${escapeXml([...current].join(', '))}` : ''}</title>`,
    `<style>${style}</style>`,
    `<defs><marker id="${markerId}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#64748b"/></marker></defs>`,
  );

  parts.push('<g class="transitions">');
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
      `<text class="name" x="${box.x + 16}" y="${box.y + 22}">${escapeXml(state.id)}</text>`,
      ...state.details.map(
        (line, i) =>
          `<text class="detail" x="${box.x + 16}" y="${box.y + 22 + (i + 1) * (DETAIL_FONT + 5)}">${escapeXml(line)}</text>`,
      ),
    );
    if (state.initial) {
      const cy = box.y + box.height / 2;
      parts.push(
        `<circle class="initial" cx="${box.x - 28}" cy="${cy}" r="6"/>`,
        `<path d="M${box.x - 22},${cy} L${box.x - 2},${cy}" stroke="#0f172a" stroke-width="1.5" marker-end="url(#${markerId})"/>`,
      );
    }
    parts.push('</g>');
  }
  parts.push('</g></svg>');
  return parts.join('\n');
}

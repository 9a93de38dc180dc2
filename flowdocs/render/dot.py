"""A scene as DOT text, through mingrammer `diagrams`: the one module that touches it.

What `diagrams` does by default and we avoid (reference/style.md): random node ids (every node
gets `nodeid=`), a viewer (`show=False`, and we never let it render: we only take the DOT text),
a filename from the title (a safe one is passed), partial output when an exception happens in
`with Diagram` (the context is set and cleared by hand, nothing renders), labels only partly
escaped (every label is HTML, escaped here), and same-labelled clusters merging (every cluster
is named by its position in the design). Edges use `splines=spline` and real labels: `ortho`
places edge labels away from their edges.

Text from the design is wrapped, and a very long text cut with "…" (`scene.fit_lines`), so
that no title or label makes a diagram wider than a page: the design's page shows it whole.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager

import diagrams
from diagrams import Cluster as DCluster
from diagrams import Diagram, Edge, Node

from flowdocs.render.icons import icon_path
from flowdocs.render.scene import Cluster, Scene, fit_lines
from flowdocs.render.scene import Edge as SceneEdge
from flowdocs.render.scene import Node as SceneNode

FONT = "DejaVu Sans"  # installed by scripts/system-deps.sh; explicit so text never tofus
# Okabe-Ito colours, safe for colour-blind readers: blue for management, orange for data.
FLOW_COLOURS = {1: "#0072B2", 2: "#E69F00"}
LABEL_COLOURS = {1: "#0072B2", 2: "#A66300"}  # darker orange: legible text on pale fills
RED, GREY, INK, HIGHLIGHT = "#C62828", "#9E9E9E", "#2D3436", "#D55E00"
VNET_FILL = {"spokes": "#EAF4FB", "hub": "#F1F7EC", "on-premises": "#F4F1FA",
             "services": "#FDF8E6"}
SUBNET_FILL = "#FFFFFF"
REGION_INK = "#546E7A"
ICON_SIZE = 44
# How long a line of text may be, in characters, and how many lines a text may take.
TITLE_WIDTH, TITLE_LINES = 80, 3
CLUSTER_WIDTH, CLUSTER_LINES = 60, 3
DETAIL_WIDTH, DETAIL_LINES = 40, 2
LEGEND = {
    "flow1": ("━━▶", FLOW_COLOURS[1], "1 management flow"),
    "flow2": ("━━▶", FLOW_COLOURS[2], "2 data flow"),
    "bypass": ("╍╍▶", INK, "dashed: goes around a firewall (reason on the arrow)"),
    "link": ("┈┈", GREY, "dotted: private link to the resource"),
    "bgp": ("┈┈", GREY, "dotted BGP: a Route Server's session with an NVA"),
    "loop": ("━━▶", RED, "red: routing loop"),
    "denied": ("╍╍┤", RED, "red dashed: denied by policy (NSG or firewall)"),
    "crossed": ("▣", HIGHLIGHT, "firewall crossed by flows"),
    "bypassed": ("▢", GREY, "firewall bypassed (greyed)"),
    "dropped": ("✕", RED, "flow dropped, with the reason"),
    "note": ("▤", "#8D6E00", "route that decides the path"),
    "collapsed": ("⋯", GREY, "collapsed: same flows as the one drawn"),
    "grouped": ("❐", REGION_INK, "N × type: workloads of one type, same flows (names listed)"),
    "region": ("┅", REGION_INK, "dashed frame: an Azure region"),
}


def to_dot(scene: Scene) -> str:
    """The scene's DOT text: deterministic, with no absolute path."""
    graph_attr = {
        "pad": "0.3", "splines": "spline", "nodesep": "0.45", "ranksep": "0.9",
        "fontname": FONT, "fontsize": "12", "fontcolor": INK, "newrank": "true",
        "outputorder": "edgesfirst", "labelloc": "t", "labeljust": "l",
        "label": _legend(scene), "id": f"diagram-{scene.name}",
    }
    node_attr = {"fontname": FONT, "fontsize": "11", "fontcolor": INK, "shape": "box",
                 "style": "rounded,filled", "fillcolor": "white", "color": "#C8CED3",
                 "fixedsize": "false", "width": "0", "height": "0", "margin": "0.18,0.08"}
    edge_attr = {"fontname": FONT, "fontsize": "11", "penwidth": "2", "arrowsize": "0.8"}
    with _diagram(scene.name, graph_attr, node_attr, edge_attr) as diagram:
        drawn: dict[str, Node] = {}
        for cluster in scene.clusters:
            _cluster(scene, cluster, drawn, depth=0)
        for node_id in scene.loose:
            drawn[node_id] = _node(scene.nodes[node_id])
        for tail, head in scene.order:
            diagram.connect(drawn[tail], drawn[head], Edge(style="invis", weight="0",
                                                           fontname=FONT))
        for edge in scene.edges:
            diagram.connect(drawn[edge.tail], drawn[edge.head], _edge(edge))
    return str(diagram)


@contextmanager
def _diagram(name: str, graph_attr: dict[str, str], node_attr: dict[str, str],
             edge_attr: dict[str, str]) -> Iterator[Diagram]:
    """A Diagram as a context without `__exit__`'s render: nothing is written or opened."""
    diagram = Diagram(name, filename=name, show=False, outformat="png", direction="LR",
                      graph_attr=graph_attr, node_attr=node_attr, edge_attr=edge_attr)
    diagrams.setdiagram(diagram)
    try:
        yield diagram
    finally:
        diagrams.setdiagram(None)
        diagrams.setcluster(None)


def _cluster(scene: Scene, cluster: Cluster, drawn: dict[str, Node], depth: int) -> None:
    if cluster.region:
        # A region frames its VNets: an outline only, so the VNets keep their colours.
        attrs = {"label": f"<<b>{_wrapped(cluster.label, CLUSTER_WIDTH, CLUSTER_LINES)}</b>>",
                 "id": f"cluster-{cluster.id}",
                 "fontname": FONT, "fontsize": "13", "style": "rounded,dashed",
                 "margin": "14", "bgcolor": "white", "pencolor": REGION_INK, "penwidth": "1.5"}
        with DCluster(cluster.id, graph_attr=attrs):
            for child in cluster.children:
                _cluster(scene, child, drawn, depth)
        return
    attrs = {"label": f"<{_wrapped(cluster.label, CLUSTER_WIDTH, CLUSTER_LINES)}>",
             "id": f"cluster-{cluster.id}",
             "fontname": FONT, "fontsize": "12" if depth == 0 else "11",
             "style": "rounded,filled", "margin": "10",
             "bgcolor": VNET_FILL[cluster.column] if depth == 0 else SUBNET_FILL,
             "pencolor": "#90A4AE" if depth == 0 else "#B0BEC5"}
    # The cluster's DOT name is its id: unique, so same-named subnets never merge.
    with DCluster(cluster.id, graph_attr=attrs) as dcluster:
        for node_id in cluster.nodes:
            drawn[node_id] = _node(scene.nodes[node_id])
        for child in cluster.children:
            _cluster(scene, child, drawn, depth + 1)
        _keep_notes_beside(scene, cluster, dcluster)


def _keep_notes_beside(scene: Scene, cluster: Cluster, dcluster: DCluster) -> None:
    """A route-table note shares the rank of the node it decides for: drawn above or below
    it, not in a column of its own."""
    for edge in scene.edges:
        if edge.style == "note" and edge.tail in cluster.nodes:
            with dcluster.dot.subgraph() as same:
                same.attr(rank="same")
                same.node(edge.tail)
                same.node(edge.head)


def _node(node: SceneNode) -> Node:
    attrs = {"id": _svg_id(node.id), "class": f"{node.kind} {node.state}"}
    if node.tooltip:
        attrs["tooltip"] = node.tooltip
    if node.state == "crossed":
        attrs.update(color=HIGHLIGHT, penwidth="3", fillcolor="#FFF3E8")
    elif node.state == "bypassed":
        attrs.update(color=GREY, style="rounded,dashed,filled", fillcolor="#EEEEEE",
                     fontcolor="#757575")
    elif node.state == "dropped":
        attrs.update(color=RED, penwidth="2", fillcolor="#FDECEA", fontcolor=RED)
    elif node.state == "note":
        attrs.update(shape="note", style="filled", color="#C9B458", fillcolor="#FFFBE6")
    elif node.state == "collapsed":
        attrs.update(color=GREY, style="rounded,dashed,filled", fillcolor="#F7F7F7")
    elif node.state == "grouped":  # a double border: several workloads drawn as one
        attrs.update(color=REGION_INK, peripheries="2")
    return Node(_node_label(node), nodeid=node.id, **attrs)


def _node_label(node: SceneNode) -> str:
    rows = []
    if node.icon and node.state != "note":
        size = ICON_SIZE
        rows.append(f'<TR><TD FIXEDSIZE="TRUE" WIDTH="{size}" HEIGHT="{size}">'
                    f'<IMG SRC="{icon_path(node.icon)}" SCALE="TRUE"/></TD></TR>')
    title = f"<B>{_esc(node.title)}</B>"
    if node.state == "note":
        title = (f'<TABLE BORDER="0" CELLPADDING="0" CELLSPACING="2"><TR><TD FIXEDSIZE="TRUE" '
                 f'WIDTH="16" HEIGHT="16"><IMG SRC="{icon_path("route-table")}" SCALE="TRUE"/>'
                 f"</TD><TD>{title}</TD></TR></TABLE>")
    rows.append(f"<TR><TD>{title}</TD></TR>")
    small = "#757575" if node.state == "bypassed" else "#546E7A"
    if node.state == "dropped":
        small = RED
    for line in (part for text in node.detail
                 for part in fit_lines(text, DETAIL_WIDTH, DETAIL_LINES)):
        rows.append(f'<TR><TD><FONT POINT-SIZE="9" COLOR="{small}">{_esc(line)}</FONT></TD></TR>')
    for line in (part for text in node.alerts
                 for part in fit_lines(text, DETAIL_WIDTH, DETAIL_LINES)):
        rows.append(f'<TR><TD><FONT POINT-SIZE="9" COLOR="{RED}"><B>{_esc(line)}</B></FONT>'
                    "</TD></TR>")
    for route in node.routes:
        numbers = " ".join(f'<FONT COLOR="{LABEL_COLOURS.get(n, INK)}"><B>{n}</B></FONT>'
                           for n in route.numbers)
        rows.append(f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="9">{numbers}  '
                    f"{_wrapped(route.text, CLUSTER_WIDTH, DETAIL_LINES)}</FONT></TD></TR>")
    return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
            + "".join(rows) + "</TABLE>>")


def _edge(edge: SceneEdge) -> Edge:
    number = edge.numbers[0] if edge.numbers else 0
    attrs: dict[str, str] = {"id": _svg_id(edge.id), "class": f"{edge.style} flow{number}"}
    if edge.flows:
        attrs["tooltip"] = "; ".join(edge.flows)
    colour = FLOW_COLOURS.get(number, GREY)
    font = LABEL_COLOURS.get(number, INK)
    style = {"bypass": "dashed", "link": "dotted", "note": "dotted", "bgp": "dotted",
             "denied": "dashed"}.get(edge.style, "solid")
    if edge.style in ("loop", "denied"):
        colour = font = RED
        attrs["penwidth"] = "2.5"
    elif edge.style in ("link", "note", "bgp"):
        colour, font = GREY, "#616161"
        attrs["penwidth"] = "1.2"
    if edge.style in ("note", "bgp"):
        # A BGP session says who talks to whom, not which way traffic goes: it must not
        # move the nodes the flows place.
        attrs["constraint"] = "false"
    elif edge.style in ("dropped", "denied"):
        attrs["arrowhead"] = "tee"
    if edge.label:
        first, *rest = edge.label
        text = f"<B>{_esc(first)}</B>" + "".join(f"<BR/>{_esc(line)}" for line in rest)
        attrs["label"] = f"<{text}>"
    return Edge(color=colour, fontcolor=font, style=style, forward=edge.style != "note",
                fontname=FONT,
                fontsize="11", **attrs)


def _legend(scene: Scene) -> str:
    """The graph label: the design's title, the subset it draws (if filtered), then a legend
    of what this diagram uses."""
    entries = []
    for key in scene.legend:
        sample, colour, text = LEGEND[key]
        entries.append(f'<FONT COLOR="{colour}">{_esc(sample)}</FONT>&#160;{_esc(text)}')
    per_row = 4
    gap = "&#160;" * 5
    lines = [gap.join(entries[i:i + per_row]) for i in range(0, len(entries), per_row)]
    legend = '<BR ALIGN="LEFT"/>'.join(lines) + '<BR ALIGN="LEFT"/>'
    # A subset (`--flows`) says so on its own line under the title, in orange.
    subset = (f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="13" COLOR="{HIGHLIGHT}"><B>'
              f"{_wrapped('Subset: ' + scene.subset, TITLE_WIDTH, TITLE_LINES)}</B></FONT>"
              "</TD></TR>") if scene.subset else ""
    return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3">'
            f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="16">'
            f"<B>{_wrapped(scene.title, TITLE_WIDTH, TITLE_LINES)}</B></FONT>"
            f"</TD></TR>{subset}"
            f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="10">{legend}</FONT></TD></TR>'
            "</TABLE>>")


def _wrapped(text: str, width: int, most: int) -> str:
    """Text for an HTML-like label, escaped, in lines left-aligned (`fit_lines`)."""
    return '<BR ALIGN="LEFT"/>'.join(_esc(line) for line in fit_lines(text, width, most))


def _esc(text: str) -> str:
    """Text for an HTML-like label: `&`, `<`, `>` and quotes escaped, and `\\` too, which
    Graphviz would read as an escape sequence in any other label."""
    return html.escape(text, quote=True).replace("\\", "&#92;")


def _svg_id(text: str) -> str:
    """A stable, unique SVG id from a scene id: letters, digits and `-` kept, anything else
    written as `_hh` (and `_` as `__`), so that two scene ids never share an SVG id."""
    return "".join(c if c.isascii() and (c.isalnum() or c == "-")
                   else "__" if c == "_" else f"_{ord(c):02x}" for c in text)

"""Graph search: components, degrees, breadth-first and Dijkstra distances, grid shortest
paths (stdin/stdout), topological orders, structural properties. Parameters: directed or
not, weighted or not, 0- or 1-based vertices, what to report, tie-breaks, edge meaning,
grid symbols, moves and input layout."""

from __future__ import annotations

import random

from ._common import CodeFamily, Spec, StdioVariant, Variant

SIZES = {1: 5, 2: 12, 3: 30}
GRAPH = {("n", "edges"): [("n", "edges"), ("n", "links"), ("count", "pairs")]}
BASE_TEXT = {0: "0..{n}-1", 1: "1..{n}"}


def _vertices(spec: Spec) -> str:
    return BASE_TEXT[spec.base].format(n=spec.n) + f" (`{spec.n}` >= 1 of them)"


def _graph(rng: random.Random, level: int, base: int, weighted: bool = False,
           dag: bool = False) -> tuple[int, list[list[int]]]:
    n = rng.randint(1, SIZES[level])
    edges = []
    for _ in range(rng.randint(0, n + level)):
        a, b = rng.randrange(n), rng.randrange(n)
        if dag and (a == b or rng.random() < 0.85):
            a, b = min(a, b), max(a, b)
            if a == b:
                continue
        edges.append([a + base, b + base] + ([rng.randint(1, 9)] if weighted else []))
    return n, edges


# --- components -----------------------------------------------------------------------------

def components(n: int, edges: list[list[int]], *, base: int, report: str) -> int | list[int]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        parent[find(a - base)] = find(b - base)
    sizes: dict[int, int] = {}
    for v in range(n):
        sizes[find(v)] = sizes.get(find(v), 0) + 1
    if report == "count":
        return len(sizes)
    if report == "largest":
        return max(sizes.values())
    if report == "smallest":
        return min(sizes.values())
    if report == "nontrivial":
        return sum(1 for s in sizes.values() if s > 1)
    if report == "own":
        return sizes[find(0)]
    if report == "isolated":
        touched = {v - base for a, b in edges if a != b for v in (a, b)}
        return n - len(touched)
    return sorted(sizes.values(), reverse=report == "sizes_desc")


COMPONENT_REPORT = {"count": "the number of connected components",
                    "largest": "the number of vertices in the largest connected component",
                    "smallest": "the number of vertices in the smallest connected component",
                    "nontrivial": "the number of connected components with at least two "
                                  "vertices",
                    "own": "the number of vertices in the connected component of vertex {b}",
                    "isolated": "the number of vertices with no edge to another vertex (a "
                                "self-loop does not count)",
                    "sizes_asc": "the sizes of all connected components, in increasing order",
                    "sizes_desc": "the sizes of all connected components, in decreasing order"}


def _component_text(spec: Spec) -> str:
    what = COMPONENT_REPORT[spec.report].format(b=spec.base)
    return (f"An undirected graph has vertices {_vertices(spec)} and the edges `[a, b]` of "
            f"`{spec.edges}` (self-loops and repeated edges may occur). Return {what}.")


# --- degrees --------------------------------------------------------------------------------

def extreme_degree(n: int, edges: list[list[int]], *, base: int, kind: str, most: bool,
                   smallest: bool) -> int:
    degree = [0] * n
    for a, b in edges:
        if kind in ("out", "both"):
            degree[a - base] += 1
        if kind in ("in", "both"):
            degree[b - base] += 1
    target = max(degree) if most else min(degree)
    tied = [v for v in range(n) if degree[v] == target]
    return (tied[0] if smallest else tied[-1]) + base


DEGREE_TEXT = {"out": "out-degree (edges leaving it)", "in": "in-degree (edges entering it)",
               "both": "degree (edges touching it; a self-loop counts twice)"}


def _degree_text(spec: Spec) -> str:
    graph = ("An undirected" if spec.kind == "both" else "A directed") + " graph"
    edge = "" if spec.kind == "both" else " from a to b"
    return (f"{graph} has vertices {_vertices(spec)} and the edges `[a, b]`{edge} of "
            f"`{spec.edges}` (repeated edges count each time). Return "
            f"the vertex with the {'largest' if spec.most else 'smallest'} "
            f"{DEGREE_TEXT[spec.kind]}; if several tie, the "
            f"{'smallest' if spec.smallest else 'largest'} vertex number.")


# --- distances ------------------------------------------------------------------------------

def distances(n: int, edges: list[list[int]], *, base: int, directed: bool, weighted: bool,
              report: str, radius: int) -> int | list[int]:
    import heapq
    adj: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for edge in edges:
        a, b, w = edge[0] - base, edge[1] - base, edge[2] if weighted else 1
        adj[a].append((b, w))
        if not directed:
            adj[b].append((a, w))
    dist = [-1] * n
    heap = [(0, 0)]
    while heap:
        d, v = heapq.heappop(heap)
        if dist[v] != -1:
            continue
        dist[v] = d
        for u, w in adj[v]:
            if dist[u] == -1:
                heapq.heappush(heap, (d + w, u))
    if report == "all":
        return dist
    if report == "farthest":
        return max(dist)
    return sum(1 for d in dist if 0 <= d <= radius)


DIST_REPORT = {"all": "a list whose entry i is the distance to vertex i + {b} (-1 if it "
                      "cannot be reached)",
               "farthest": "the largest distance to a vertex that can be reached",
               "within": "how many vertices (vertex {b} included) are at distance at most "
                         "{r}"}


def _distance_text(spec: Spec) -> str:
    kind = "A directed" if spec.directed else "An undirected"
    edge = "`[a, b, w]`, an edge of length w" if spec.weighted else "`[a, b]`, an edge of length 1"
    way = " from a to b" if spec.directed else ""
    what = DIST_REPORT[spec.report].format(b=spec.base, r=spec.radius)
    return (f"{kind} graph has vertices {_vertices(spec)}; each item of `{spec.edges}` is {edge}{way}. The distance to a vertex is the "
            f"length of a shortest path to it from vertex {spec.base}. Return {what}.")


def _distance_params(rng: random.Random, level: int) -> dict:
    report = rng.choice(list(DIST_REPORT))
    return {"base": rng.randint(0, 1), "directed": rng.random() < 0.5,
            "weighted": rng.random() < 0.5, "report": report,
            "radius": rng.randint(1, 3) + 3 * (level - 1) if report == "within" else 0}


# --- grid shortest paths (stdin/stdout) -----------------------------------------------------

def grid_path(text: str, *, wall: str, start: str, goal: str, diagonal: bool,
              header: str, missing: str) -> str:
    from collections import deque
    lines = [line for line in text.split("\n") if line]
    if header == "rc":
        rows, cols = map(int, lines[0].split())
        grid = lines[1:1 + rows]
    elif header == "cr":
        cols, rows = map(int, lines[0].split())
        grid = lines[1:1 + rows]
    else:
        grid = lines
        rows, cols = len(grid), len(grid[0])
    where = {grid[r][c]: (r, c) for r in range(rows) for c in range(cols)}
    steps = [(1, 0), (-1, 0), (0, 1), (0, -1)]
    if diagonal:
        steps += [(1, 1), (1, -1), (-1, 1), (-1, -1)]
    dist = {where[start]: 0}
    queue = deque([where[start]])
    while queue:
        r, c = queue.popleft()
        for dr, dc in steps:
            nr, nc = r + dr, c + dc
            if 0 <= nr < rows and 0 <= nc < cols and grid[nr][nc] != wall \
                    and (nr, nc) not in dist:
                dist[(nr, nc)] = dist[(r, c)] + 1
                queue.append((nr, nc))
    return f"{dist.get(where[goal], missing)}\n"


GRID_SYMBOLS = [("#", "."), ("X", "."), ("*", "o"), ("#", "_")]
ENDS = [("S", "G"), ("A", "B"), ("S", "E")]
HEADERS = {"rc": "The first line holds R and C (rows, then columns); then R lines of C "
                 "characters.",
           "cr": "The first line holds C and R (columns, then rows); then R lines of C "
                 "characters.",
           "none": "The input is the grid itself: lines of equal length, one per row."}


def _grid_params(rng: random.Random, level: int) -> dict:
    (wall, free), (start, goal) = rng.choice(GRID_SYMBOLS), rng.choice(ENDS)
    return {"wall": wall, "_free": free, "start": start, "goal": goal,
            "diagonal": rng.random() < 0.5, "header": rng.choice(list(HEADERS)),
            "missing": rng.choice(["-1", "NO", "IMPOSSIBLE"])}


def _grid_text(spec: Spec) -> str:
    moves = ("to any of the 8 neighbouring cells (diagonals included)" if spec.diagonal else
             "up, down, left or right")
    return (f"{HEADERS[spec.header]} `{spec._free}` is a free cell, `{spec.wall}` a wall, "
            f"`{spec.start}` the start and `{spec.goal}` the goal (exactly one each; both are "
            f"free). A move goes {moves} to a free cell inside the grid and costs 1. Print the "
            f"fewest moves from `{spec.start}` to `{spec.goal}`, or `{spec.missing}` if the "
            "goal cannot be reached.")


def _grid_layout(spec: Spec, cells: list[list[str]]) -> str:
    rows, cols = len(cells), len(cells[0])
    head = {"rc": f"{rows} {cols}\n", "cr": f"{cols} {rows}\n", "none": ""}[spec.header]
    return head + "".join("".join(row) + "\n" for row in cells)


def _grid_input(rng: random.Random, level: int, spec: Spec) -> str:
    rows, cols = rng.randint(1, SIZES[level]), rng.randint(2, SIZES[level] + 1)
    cells = [[spec.wall if rng.random() < 0.3 else spec._free for _ in range(cols)]
             for _ in range(rows)]
    (sr, sc), (gr, gc) = rng.sample([(r, c) for r in range(rows) for c in range(cols)], 2)
    cells[sr][sc], cells[gr][gc] = spec.start, spec.goal
    return _grid_layout(spec, cells)


def _grid_edges(spec: Spec) -> list[str]:
    s, g, w, f = spec.start, spec.goal, spec.wall, spec._free
    return [_grid_layout(spec, [[s, g]]), _grid_layout(spec, [[s, w, g]]),
            _grid_layout(spec, [[s, w], [w, g]]),
            _grid_layout(spec, [[s, f, f], [f, w, f], [f, f, g]])]


# --- topological orders ---------------------------------------------------------------------

def topo_order(n: int, edges: list[list[int]], *, base: int, smallest: bool,
               reverse_edges: bool, report: str) -> list[int]:
    import heapq
    indegree = [0] * n
    succ: list[list[int]] = [[] for _ in range(n)]
    for a, b in edges:
        first, then = (b - base, a - base) if reverse_edges else (a - base, b - base)
        succ[first].append(then)
        indegree[then] += 1
    sign = 1 if smallest else -1
    ready = [sign * v for v in range(n) if indegree[v] == 0]
    heapq.heapify(ready)
    order = []
    rounds = [-1] * n
    for v in range(n):
        if indegree[v] == 0:
            rounds[v] = 1
    while ready:
        v = sign * heapq.heappop(ready)
        order.append(v + base)
        for w in succ[v]:
            indegree[w] -= 1
            rounds[w] = max(rounds[w], rounds[v] + 1)
            if indegree[w] == 0:
                heapq.heappush(ready, sign * w)
    if report == "rounds":
        return [r if indegree[v] == 0 else -1 for v, r in enumerate(rounds)]
    if report == "partial":
        return order
    return order if len(order) == n else []


def _topo_text(spec: Spec) -> str:
    meaning = ("`[a, b]` means a must come after b" if spec.reverse_edges else
               "`[a, b]` means a must come before b")
    pick = "smallest" if spec.smallest else "largest"
    tasks = (f"There are `{spec.n}` tasks numbered {BASE_TEXT[spec.base].format(n=spec.n)}; in "
             f"the list `{spec.edges}`, {meaning}.")
    if spec.report == "rounds":
        first = BASE_TEXT[spec.base].format(n=spec.n).split(".")[0]
        return (f"{tasks} Work happens in rounds 1, 2, 3, ...: in each round every task whose "
                "constraints are met by tasks done in earlier rounds is done. Return a list "
                f"whose entry i is the round of task i + {first} (-1 if it can never be done).")
    rule = (f"choosing at each step the {pick}-numbered task whose constraints are all met")
    if spec.report == "partial":
        return (f"{tasks} Do tasks one at a time, {rule}, until no task is available. Return "
                "the tasks in the order they are done (tasks that can never be done are left "
                "out).")
    return (f"{tasks} Return an order of all tasks that respects every constraint, {rule}, or "
            "`[]` if no order exists.")


def _topo_params(rng: random.Random, level: int) -> dict:
    report = rng.choice(["order", "partial", "rounds"])
    return {"base": rng.randint(0, 1), "smallest": rng.random() < 0.5 or report == "rounds",
            "reverse_edges": rng.random() < 0.5, "report": report}


# --- structural properties ------------------------------------------------------------------

def has_property(n: int, edges: list[list[int]], *, base: int, prop: str) -> bool:
    adj: list[list[int]] = [[] for _ in range(n)]
    for a, b in edges:
        adj[a - base].append(b - base)
        if prop != "directed_cycle":
            adj[b - base].append(a - base)
    if prop == "directed_cycle":
        state = [0] * n   # 0 new, 1 on the stack, 2 done

        def cycle_from(v: int) -> bool:
            state[v] = 1
            for u in adj[v]:
                if state[u] == 1 or (state[u] == 0 and cycle_from(u)):
                    return True
            state[v] = 2
            return False
        return any(state[v] == 0 and cycle_from(v) for v in range(n))
    color = [-1] * n
    parts = 0
    bipartite = True
    for s in range(n):
        if color[s] != -1:
            continue
        parts += 1
        color[s] = 0
        stack = [s]
        while stack:
            v = stack.pop()
            for u in adj[v]:
                if color[u] == -1:
                    color[u] = 1 - color[v]
                    stack.append(u)
                elif color[u] == color[v]:
                    bipartite = False
    if prop == "bipartite":
        return bipartite
    if prop == "connected":
        return parts == 1
    acyclic = len(edges) == n - parts   # a forest has exactly n - components edges
    return acyclic if prop == "forest" else acyclic and parts == 1


PROPERTIES = {"bipartite": "its vertices can be split into two groups so that every edge joins "
                           "the two groups (a self-loop makes this impossible)",
              "connected": "every vertex can be reached from every other one",
              "forest": "it has no cycle (a self-loop or a repeated edge is a cycle)",
              "tree": "it is connected and has no cycle (a self-loop or a repeated edge is a "
                      "cycle)",
              "directed_cycle": "following edges in their direction, some vertex can return to "
                                "itself (a self-loop counts)"}


def _property_text(spec: Spec) -> str:
    kind = "A directed graph (edges go from a to b)" if spec.prop == "directed_cycle" else \
        "An undirected graph"
    return (f"{kind} has vertices {_vertices(spec)} and the edges `[a, b]` of `{spec.edges}`. "
            f"Return True if {PROPERTIES[spec.prop]}, else False.")


def _property_args(rng: random.Random, level: int, spec: Spec) -> tuple:
    n = rng.randint(1, SIZES[level])
    edges = [[v, rng.randrange(v)] for v in range(1, n) if rng.random() < 0.9]   # near a tree
    for _ in range(rng.choice([0, 0, 1, 2])):
        edges.append([rng.randrange(n), rng.randrange(n)])
    rng.shuffle(edges)
    return n, [[a + spec.base, b + spec.base] if rng.random() < 0.5 else
               [b + spec.base, a + spec.base] for a, b in edges]


def _base_edges(spec: Spec, cases: list[tuple[int, list[list[int]]]]) -> list[tuple]:
    return [(n, [[a + spec.base, b + spec.base, *w] for a, b, *w in edges]) for n, edges in cases]


GRAPHS = CodeFamily("graphs", [
    Variant(components, lambda s: ["component_sizes", "list_component_sizes"]
            if s.report.startswith("sizes") else ["components_report", "component_stat",
                                                  "analyze_components"],
            _component_text, lambda r, lv, s: _graph(r, lv, s.base),
            lambda r, lv: {"base": r.randint(0, 1), "report": r.choice(list(COMPONENT_REPORT))},
            lambda s: _base_edges(s, [(1, []), (3, [[0, 0]]), (4, [[0, 1], [1, 0], [2, 3]]),
                                      (5, [[1, 2], [2, 3]])]),
            arg_names=GRAPH,
            returns=lambda s: "list[int]" if s.report.startswith("sizes") else "int"),
    StdioVariant("Shortest path in a grid", _grid_text, grid_path, _grid_input, _grid_params,
                 _grid_edges),
    Variant(extreme_degree, ["extreme_degree", "busiest_vertex", "pick_vertex"], _degree_text,
            lambda r, lv, s: _graph(r, lv, s.base),
            lambda r, lv: {"base": r.randint(0, 1), "kind": r.choice(list(DEGREE_TEXT)),
                           "most": r.random() < 0.5, "smallest": r.random() < 0.5},
            lambda s: _base_edges(s, [(1, []), (3, [[0, 0]]), (3, [[0, 1], [2, 1]]),
                                      (4, [[3, 0], [3, 1], [2, 0]])]),
            arg_names=GRAPH),
    Variant(distances, ["distances", "shortest_distances", "reach_report"], _distance_text,
            lambda r, lv, s: _graph(r, lv, s.base, weighted=s.weighted), _distance_params,
            lambda s: _base_edges(s, [(1, []), (3, [[1, 0, 2]] if s.weighted else [[1, 0]]),
                                      (3, [[0, 1, 5], [1, 2, 1], [0, 2, 9]] if s.weighted
                                       else [[0, 1], [1, 2]]),
                                      (4, [[0, v, 1] if s.weighted else [0, v]
                                           for v in (1, 2, 3)])]),
            arg_names=GRAPH,
            returns=lambda s: "list[int]" if s.report == "all" else "int"),
    Variant(topo_order, ["topo_order", "task_order", "schedule_tasks"], _topo_text,
            lambda r, lv, s: _graph(r, lv, s.base, dag=True),
            _topo_params,
            lambda s: _base_edges(s, [(1, []), (2, [[1, 0]]), (2, [[0, 1], [1, 0]]), (3, [])]),
            arg_names=GRAPH, min_level=2),
    Variant(has_property, lambda s: [f"is_{s.prop}", f"check_{s.prop}", "graph_property"]
            if s.prop != "directed_cycle" else ["has_cycle", "cyclic", "graph_property"],
            _property_text, _property_args,
            lambda r, lv: {"base": r.randint(0, 1), "prop": r.choice(list(PROPERTIES))},
            lambda s: _base_edges(s, [(1, []), (1, [[0, 0]]), (2, [[0, 1], [1, 0]]),
                                      (3, [[0, 1], [1, 2], [2, 0]]), (4, [[0, 1], [2, 3]])]),
            arg_names=GRAPH, min_level=2),
])

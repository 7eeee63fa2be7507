"""Graph search: connected components, grid shortest paths (stdin/stdout), DAG ordering."""

from __future__ import annotations

import random

from ._common import CodeFamily, StdioVariant, Variant

SIZES = {1: 5, 2: 12, 3: 30}


def count_components(n: int, edges: list[list[int]]) -> int:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    count = n
    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
            count -= 1
    return count


def topo_order(n: int, edges: list[list[int]]) -> list[int]:
    import heapq
    indegree = [0] * n
    succ: list[list[int]] = [[] for _ in range(n)]
    for a, b in edges:
        succ[a].append(b)
        indegree[b] += 1
    ready = [v for v in range(n) if indegree[v] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        v = heapq.heappop(ready)
        order.append(v)
        for w in succ[v]:
            indegree[w] -= 1
            if indegree[w] == 0:
                heapq.heappush(ready, w)
    return order if len(order) == n else []


def grid_path(text: str) -> str:
    from collections import deque
    lines = text.split("\n")
    rows, cols = map(int, lines[0].split())
    grid = lines[1:1 + rows]
    start = goal = (0, 0)
    for r in range(rows):
        for c in range(cols):
            if grid[r][c] == "S":
                start = (r, c)
            elif grid[r][c] == "G":
                goal = (r, c)
    dist = {start: 0}
    queue = deque([start])
    while queue:
        r, c = queue.popleft()
        for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            if 0 <= nr < rows and 0 <= nc < cols and grid[nr][nc] != "#" \
                    and (nr, nc) not in dist:
                dist[(nr, nc)] = dist[(r, c)] + 1
                queue.append((nr, nc))
    return f"{dist.get(goal, -1)}\n"


def _graph(rng: random.Random, level: int, dag: bool = False) -> tuple[int, list[list[int]]]:
    n = rng.randint(1, SIZES[level])
    edges = []
    for _ in range(rng.randint(0, n + level)):
        a, b = rng.randrange(n), rng.randrange(n)
        if dag and a == b:
            continue
        if dag and rng.random() < 0.9:
            a, b = min(a, b), max(a, b)
        edges.append([a, b])
    return n, edges


def _grid(rng: random.Random, level: int) -> str:
    rows, cols = rng.randint(1, SIZES[level]), rng.randint(2, SIZES[level] + 1)
    cells = [["#" if rng.random() < 0.25 else "." for _ in range(cols)] for _ in range(rows)]
    free = [(r, c) for r in range(rows) for c in range(cols)]
    (sr, sc), (gr, gc) = rng.sample(free, 2)
    cells[sr][sc], cells[gr][gc] = "S", "G"
    return f"{rows} {cols}\n" + "".join("".join(row) + "\n" for row in cells)


GRAPHS = CodeFamily("graphs", [
    Variant("count_components(n: int, edges: list[list[int]]) -> int",
            "An undirected graph has vertices 0..n-1 (n >= 1) and the given edges `[a, b]` "
            "(self-loops and repeated edges may occur). Return its number of connected "
            "components.", count_components, _graph,
            edge_cases=[(1, []), (3, [[0, 0]]), (4, [[0, 1], [1, 0], [2, 3]])]),
    StdioVariant(
        "Shortest path in a grid",
        "The first line holds R and C; then R lines of C characters: `.` free, `#` wall, `S` "
        "start, `G` goal (exactly one each). Moving up, down, left or right to a free cell "
        "costs 1. Print the fewest moves from S to G, or -1 if G cannot be reached.",
        grid_path, _grid, edge_cases=["1 2\nSG\n", "1 3\nS#G\n", "3 3\nS#.\n.#.\n..G\n"]),
    Variant("topo_order(n: int, edges: list[list[int]]) -> list[int]",
            "A directed graph has vertices 0..n-1 and edges `[a, b]` (a before b). Return the "
            "lexicographically smallest topological order (at each step take the smallest "
            "vertex with no remaining predecessors), or `[]` if the graph has a cycle.",
            topo_order, lambda r, lv: _graph(r, lv, dag=True),
            edge_cases=[(1, []), (2, [[1, 0]]), (2, [[0, 1], [1, 0]]), (3, [])], min_level=2),
])

#!/usr/bin/env python3
"""Import circles between the modules of a Rust crate's source tree.

    python3 tools/module_cycles.py                  # mock-server/src: cycles, exit 1 if any
    python3 tools/module_cycles.py --edges          # every edge, then the cycles
    python3 tools/module_cycles.py --code-only      # without the edges doc links make

One module per file (`routes/chat.rs` is `routes::chat`, `routes/mod.rs` is `routes`). An edge is a
`crate::...` or `super::...` path in a file, in a `use` (braces expanded) or inline, resolved to
the deepest module it names; doc links count too (`[`Delivery`]: crate::delivery::Delivery`), since
a module's text that points at another depends on it as much as its code. A file's unit tests
(`#[cfg(test)] mod tests`) are left out: they may look anywhere. A cycle is a strongly connected
component of more than one module; for each, one shortest circle through it is printed.
"""

import argparse
import re
import sys
from collections import defaultdict, deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def module_of(src: Path, file: Path) -> tuple:
    parts = list(file.relative_to(src).with_suffix("").parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts.pop()
    return tuple(parts)


def strip_tests(text: str) -> str:
    match = re.search(r"#\[cfg\(test\)\]\s*mod\s+tests\b", text)
    return text[: match.start()] if match else text


def strip_comments(text: str) -> str:
    return re.sub(r"//[^\n]*", "", text)


def expand(path: str) -> list:
    """`a::{b, c::{d, e}}` as `a::b`, `a::c::d`, `a::c::e`."""
    path = re.sub(r"\s+", "", path)
    open_at = path.find("{")
    if open_at < 0:
        return [path]
    prefix, depth, items, start = path[:open_at], 0, [], open_at + 1
    for i in range(open_at, len(path)):
        if path[i] == "{":
            depth += 1
        elif path[i] == "}":
            depth -= 1
            if depth == 0:
                items.append(path[start:i])
                break
        elif path[i] == "," and depth == 1:
            items.append(path[start:i])
            start = i + 1
    return [full for item in items if item for full in expand(prefix + item)]


def references(text: str) -> list:
    """The `crate::`/`super::` paths of a file: its `use` trees, then inline paths."""
    found = []
    for use in re.finditer(r"\buse\s+((?:crate|super)::[^;]*);", text):
        found.extend(expand(use.group(1)))
    without_uses = re.sub(r"\buse\s+[^;]*;", "", text)
    found.extend(re.findall(r"\b(?:crate|super)(?:::(?:super|[A-Za-z_][A-Za-z0-9_]*))+", without_uses))
    return found


def resolve(path: str, here: tuple, is_mod_file: bool, modules: set):
    segments = [s for s in path.split("::") if s and s not in ("self", "*")]
    if segments[0] == "crate":
        base, rest = (), segments[1:]
    else:
        # `super` in `a/b.rs` is `a`; in `a/b/mod.rs` (module `a::b`) it is `a` as well.
        base = here[:-1]
        rest = segments[1:]
        while rest and rest[0] == "super":
            base, rest = base[:-1], rest[1:]
    deepest = base
    for i in range(1, len(rest) + 1):
        candidate = base + tuple(rest[:i])
        if candidate in modules:
            deepest = candidate
    return deepest


def edges_of(src: Path, code_only: bool) -> dict:
    files = {module_of(src, f): f for f in sorted(src.rglob("*.rs"))}
    modules = set(files)
    edges = defaultdict(set)
    for module, file in files.items():
        text = strip_tests(file.read_text())
        if code_only:
            text = strip_comments(text)
        for path in references(text):
            target = resolve(path, module, file.name == "mod.rs", modules)
            if target != module and target in modules and target != ():
                edges[module].add(target)
    return edges


def components(edges: dict) -> list:
    """Tarjan's strongly connected components of more than one node."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]
    nodes = set(edges) | {t for ts in edges.values() for t in ts}

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return found


def shortest_circle(edges: dict, component: list) -> list:
    inside = set(component)
    best = None
    for start in component:
        previous, queue = {start: None}, deque([start])
        while queue:
            v = queue.popleft()
            for w in sorted(edges.get(v, ())):
                if w not in inside:
                    continue
                if w == start:
                    path = [v]
                    while previous[path[-1]] is not None:
                        path.append(previous[path[-1]])
                    circle = list(reversed(path)) + [start]
                    if best is None or len(circle) < len(best):
                        best = circle
                    queue.clear()
                    break
                if w not in previous:
                    previous[w] = v
                    queue.append(w)
    return best


def name(module: tuple) -> str:
    return "::".join(module) or "crate"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("src", nargs="?", default=ROOT / "mock-server" / "src", type=Path)
    parser.add_argument("--edges", action="store_true", help="print every edge")
    parser.add_argument("--code-only", action="store_true", help="leave doc links out")
    args = parser.parse_args()
    edges = edges_of(args.src, args.code_only)
    if args.edges:
        for module in sorted(edges):
            print(f"{name(module)} -> {', '.join(name(t) for t in sorted(edges[module]))}")
    cycles = components(edges)
    for component in cycles:
        circle = shortest_circle(edges, component)
        print(f"cycle among {', '.join(name(m) for m in component)}: {' -> '.join(name(m) for m in circle)}")
    if not cycles:
        print("no import cycles")
    return 1 if cycles else 0


if __name__ == "__main__":
    sys.exit(main())

"""Typed reading of YAML values, with a message that says how to write each one."""
from __future__ import annotations

from pathlib import Path

from ..errors import Problem, error
from .yamlnodes import Mapping, Node, Scalar, Seq

_QUOTE_HINT = {
    "integer": "a number",
    "number": "a number",
    "boolean": "true/false (YAML reads yes, no, on and off so)",
    "date": "a date",
    "null": "empty",
}


class FieldReader:
    """Reads the fields of one YAML mapping, collecting problems instead of stopping."""

    def __init__(self, mapping: Mapping, path: Path, problems: list[Problem]):
        self.mapping = mapping
        self.path = path
        self.problems = problems

    def _fail(self, line: int, message: str) -> None:
        self.problems.append(error(self.path, line, message))

    def missing(self, name: str, example: str) -> None:
        self._fail(self.mapping.line, f"missing required field '{name}' — add a line such as "
                                      f"`{name}: {example}`")

    def line_of(self, name: str) -> int:
        """The line of a field that was read, for a problem found in its value."""
        node = self.mapping.get(name)
        assert node is not None  # a value was read from it, so the field is there
        return node.line

    def text(self, name: str, *, required: bool = False, example: str = "…") -> str | None:
        node = self.mapping.get(name)
        if node is None or (isinstance(node, Scalar) and node.is_null):
            if required:
                self.missing(name, example)
            return None
        return self.text_of(node, name, example=example, required=required)

    def text_of(self, node: Node, name: str, *, example: str = "…",
                required: bool = False) -> str | None:
        if not isinstance(node, Scalar):
            self._fail(node.line, f"'{name}' must be text, not a {node.kind} — write "
                                  f"`{name}: {example}`")
            return None
        if node.kind != "text":
            # A list item is written `[…, "on"]` or `- "on"`, not `tags item: "on"`.
            quoted = f'"{node.text}"' if name.endswith(" item") else f'{name}: "{node.text}"'
            self._fail(node.line, f"'{name}' must be text, but YAML reads {node.text!r} as "
                                  f"{_QUOTE_HINT.get(node.kind, node.kind)} — put it in quotes: "
                                  f"`{quoted}`")
            return None
        value = node.text.strip()
        if required and not value:
            self._fail(node.line, f"'{name}' is empty — write `{name}: {example}`")
            return None
        return value

    def raw(self, name: str) -> Scalar | None:
        """A scalar as written, whatever YAML would make of it (dates are such values)."""
        node = self.mapping.get(name)
        if node is None or (isinstance(node, Scalar) and node.is_null):
            return None
        if not isinstance(node, Scalar):
            self._fail(node.line, f"'{name}' must be a single value, not a {node.kind}")
            return None
        return node

    def boolean(self, name: str, default: bool) -> bool:
        node = self.mapping.get(name)
        if node is None or (isinstance(node, Scalar) and node.is_null):
            return default
        if isinstance(node, Scalar) and node.kind == "boolean" and \
                node.text.lower() in ("true", "false"):
            return node.text.lower() == "true"
        shown = node.text if isinstance(node, Scalar) else f"a {node.kind}"
        self._fail(node.line, f"'{name}' must be true or false, not {shown!r} — "
                              f"write `{name}: true` or `{name}: false`")
        return default

    def integer(self, name: str, default: int, *, low: int, high: int) -> int:
        node = self.mapping.get(name)
        if node is None or (isinstance(node, Scalar) and node.is_null):
            return default
        if isinstance(node, Scalar) and node.kind == "integer":
            value = int(node.text.replace("_", ""), 0)
            if low <= value <= high:
                return value
        shown = node.text if isinstance(node, Scalar) else f"a {node.kind}"
        self._fail(node.line, f"'{name}' must be a whole number from {low} to {high}, "
                              f"not {shown!r}")
        return default

    def text_list(self, name: str, example: str) -> tuple[str, ...]:
        node = self.mapping.get(name)
        if node is None or (isinstance(node, Scalar) and node.is_null):
            return ()
        if not isinstance(node, Seq):
            self._fail(node.line, f"'{name}' must be a list — write `{name}: [{example}]`")
            return ()
        values: dict[str, None] = {}  # ordered, and deduplicated in linear time
        for item in node.items:
            value = self.text_of(item, f"{name} item", example=example, required=True)
            if value:
                values[value] = None
        return tuple(values)

    def mapping_of(self, name: str) -> FieldReader | None:
        node = self.mapping.get(name)
        if node is None or (isinstance(node, Scalar) and node.is_null):
            return None
        if not isinstance(node, Mapping):
            self._fail(node.line, f"'{name}' must be a mapping of fields (indented "
                                  f"`key: value` lines under `{name}:`)")
            return None
        return FieldReader(node, self.path, self.problems)

    def warn_unknown(self, known: tuple[str, ...], what: str) -> None:
        for key, _ in self.mapping.entries:
            if key.text not in known:
                self.problems.append(Problem(
                    self.path, key.line,
                    f"unknown field '{key.text}' in {what} is ignored — known fields: "
                    f"{', '.join(known)}", warning=True))


def as_mapping(root: Node | None, path: Path, problems: list[Problem], what: str,
               line: int) -> Mapping | None:
    if isinstance(root, Mapping):
        return root
    if root is None:
        problems.append(error(path, line, f"{what} is empty — write `key: value` lines, such as "
                                          "`title: …`"))
    else:
        problems.append(error(path, root.line, f"{what} must be `key: value` lines, but it holds "
                                               f"a {root.kind} — write fields such as "
                                               "`title: …`"))
    return None

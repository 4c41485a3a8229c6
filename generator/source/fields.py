"""Typed reading of YAML values, with a message that says how to write each one."""
from __future__ import annotations

import difflib
import re
from pathlib import Path

from ..errors import Problem, error
from .yamlnodes import Mapping, Node, Scalar, Seq, full_width_key, full_width_list

_SHA256 = re.compile(r"[0-9a-fA-F]{64}")

# Every unknown field's warning starts so; `check --strict` counts them as errors.
UNKNOWN_FIELD = "unknown field "

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
        self.slipped: set[str] = set()  # written with a full-width colon: not missing

    def _fail(self, line: int, message: str) -> None:
        self.problems.append(error(self.path, line, message))

    def missing(self, name: str, example: str) -> None:
        if name in self.slipped:
            return  # said already, at the line it is on
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

    def sha256(self, name: str) -> str | None:
        """A SHA-256 digest: 64 hexadecimal digits, kept in lowercase."""
        value = self.text(name, example="<64 hexadecimal digits>")
        if value is None:
            return None
        if not _SHA256.fullmatch(value):
            self._fail(self.line_of(name), (
                f"'{name}' must be a SHA-256 digest, 64 hexadecimal digits, not {value!r} — "
                f"copy it as `sha256sum` prints it, or remove the field"))
            return None
        return value.lower()

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

    def text_list(self, name: str, example: str, *, names: bool = False) -> tuple[str, ...]:
        """A list of text; of `names` (tags), where a full-width comma is a slip."""
        node = self.mapping.get(name)
        if node is None or (isinstance(node, Scalar) and node.is_null):
            return ()
        if not isinstance(node, Seq):
            self._fail(node.line, _not_a_list(node, name, example, names))
            return ()
        if names and node.flow and any(isinstance(item, Scalar) and
                                       ("，" in item.text or "、" in item.text)
                                       for item in node.items):
            written = ", ".join(part for item in node.items if isinstance(item, Scalar)
                                for part in _split_items(item.text))
            self._fail(node.line, f"'{name}' is separated by full-width commas `，` — YAML "
                                  f"needs ASCII commas: `{name}: [{written}]`")
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
            if key.text in known:
                continue
            name, colon, rest = key.text.partition("：")
            # `title： 会议: 总结` is valid YAML, with the key `title： 会议`
            if colon and full_width_key(key.text):
                value = self.mapping.get(key.text)
                shown = f"{rest.strip()}: {value.text}" if isinstance(value, Scalar) else "…"
                self.slipped.add(name.strip())
                self._fail(key.line, f"a full-width colon `：` follows `{name.strip()}` — YAML "
                                     "needs an ASCII colon and a space, and quotes around a "
                                     f"value with `: ` in it: `{name.strip()}: \"{shown}\"`")
                continue
            closest = difflib.get_close_matches(key.text.lower(), known, n=1)
            instead = f"did you mean `{closest[0]}`?" if closest else \
                f"known fields: {', '.join(known)}"
            self.problems.append(Problem(
                self.path, key.line,
                f"{UNKNOWN_FIELD}'{key.text}' in {what} is ignored — {instead}", warning=True))


def is_unknown_field(problem: Problem) -> bool:
    """Whether a problem is an unknown field's warning, an error under `check --strict`."""
    return problem.warning and problem.message.startswith(UNKNOWN_FIELD)


def _split_items(text: str) -> list[str]:
    return [part.strip() for part in text.replace("、", "，").split("，") if part.strip()]


def _not_a_list(node: Node, name: str, example: str, names: bool) -> str:
    if isinstance(node, Scalar) and node.kind == "text" and node.text.strip():
        fixed = full_width_list(node.text)
        if fixed and names:
            return (f"'{name}' is written with full-width brackets, which YAML reads as text — "
                    f"write `{name}: {fixed}`")
        example = ", ".join(_split_items(node.text.replace(",", "，"))) if names else \
            node.text.strip()
    return f"'{name}' must be a list — write `{name}: [{example}]`"


def as_mapping(root: Node | None, path: Path, problems: list[Problem], what: str,
               line: int) -> Mapping | None:
    if isinstance(root, Mapping):
        return root
    if root is None:
        problems.append(error(path, line, f"{what} is empty — write `key: value` lines, such as "
                                          "`title: …`"))
    elif isinstance(root, Scalar) and full_width_key(root.text):
        problems.append(error(path, root.line, str(full_width_key(root.text))))
    else:
        problems.append(error(path, root.line, f"{what} must be `key: value` lines, but it holds "
                                               f"a {root.kind} — write fields such as "
                                               "`title: …`"))
    return None

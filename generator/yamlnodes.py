"""YAML read into plain values that remember their line, refusing YAML's traps.

PyYAML's loaders build Python objects straight away: duplicate keys silently keep the
last one, `title: 2024` becomes an int, aliases expand, and `!!python/...` tags name
constructors. We stop at the node graph instead, and turn it into `Scalar`, `Seq` and
`Mapping` values that keep their source line and what YAML would have made of them,
so each field can be checked with a message that says what to write instead.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import Problem, error

# Deeper documents are refused before the recursive composer can exhaust the stack.
MAX_DEPTH = 32

_STANDARD_TAGS = {
    "tag:yaml.org,2002:str": "text",
    "tag:yaml.org,2002:int": "integer",
    "tag:yaml.org,2002:float": "number",
    "tag:yaml.org,2002:bool": "boolean",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:timestamp": "date",
    "tag:yaml.org,2002:seq": "list",
    "tag:yaml.org,2002:map": "mapping",
}


@dataclass(frozen=True)
class Scalar:
    text: str  # exactly as written, quotes removed
    kind: str  # what YAML would have made of it: "text", "integer", "boolean", ...
    line: int

    @property
    def is_null(self) -> bool:
        return self.kind == "null"


@dataclass(frozen=True)
class Seq:
    items: tuple["Node", ...]
    line: int
    kind: str = "list"


@dataclass(frozen=True)
class Mapping:
    entries: tuple[tuple[Scalar, "Node"], ...]
    line: int
    kind: str = "mapping"

    def get(self, key: str) -> "Node | None":
        for k, v in self.entries:
            if k.text == key:
                return v
        return None


Node = Scalar | Seq | Mapping


class _Refused(Exception):
    def __init__(self, line: int, message: str):
        self.line = line
        self.message = message


class _NodeLoader(yaml.SafeLoader):
    """Composes nodes only, refusing aliases and deep nesting as it goes."""

    _depth = 0

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _Refused(event.start_mark.line, f"YAML aliases (*{event.anchor}) are not allowed "
                           "— write the value out in full")
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(self.peek_event().start_mark.line,
                           f"YAML nested more than {MAX_DEPTH} levels deep — flatten the value")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def parse_yaml(text: str, path: Path, first_line: int = 1) -> tuple[Node | None, list[Problem]]:
    """Parse one YAML document; `first_line` is the file line the text starts on."""
    offset = first_line  # YAML marks count lines from 0
    loader = _NodeLoader(text)
    try:
        root = loader.get_single_node()
    except _Refused as refused:
        return None, [error(path, refused.line + offset, refused.message)]
    except yaml.MarkedYAMLError as exc:
        return None, [_yaml_problem(exc, path, offset)]
    except yaml.YAMLError as exc:  # errors without a position
        return None, [error(path, first_line, f"invalid YAML: {exc} — check the syntax")]
    finally:
        loader.dispose()
    if root is None:
        return None, []
    problems: list[Problem] = []
    return _convert(root, path, offset, problems), problems


def _yaml_problem(exc: yaml.MarkedYAMLError, path: Path, offset: int) -> Problem:
    what = exc.problem or "invalid YAML"
    # An unclosed quote is found at the end of the text; its opening line is the useful one.
    mark = exc.context_mark if str(exc.context).startswith("while scanning") else None
    mark = mark or exc.problem_mark or exc.context_mark
    line = mark.line + offset if mark else offset
    if "'\\t'" in what or "\\t" in what:
        hint = "indent with spaces, not tabs"
    elif "found unexpected end of stream" in what or "while scanning a quoted scalar" in str(exc.context):
        hint = "a quoted value is not closed: add the closing quote"
    elif "could not find expected ':'" in what:
        hint = "a line is neither `key: value` nor part of the value above — fix or remove it"
    elif "mapping values are not allowed" in what:
        hint = "put quotes around a value that contains ': '"
    else:
        hint = "check the quoting and indentation of this line"
    context = f" {exc.context}" if exc.context else ""
    return error(path, line, f"invalid YAML:{context} {what} — {hint}".replace("  ", " "))


def _convert(node: yaml.Node, path: Path, offset: int, problems: list[Problem]) -> Node:
    line = node.start_mark.line + offset
    kind = _STANDARD_TAGS.get(node.tag)
    if kind is None:
        problems.append(error(path, line, f"the YAML tag {node.tag!r} is not allowed "
                              "— remove the tag and write a plain value"))
        kind = "text"
    if isinstance(node, yaml.ScalarNode):
        return Scalar(node.value, kind, line)
    if isinstance(node, yaml.SequenceNode):
        return Seq(tuple(_convert(item, path, offset, problems) for item in node.value), line)
    entries: list[tuple[Scalar, Node]] = []
    seen: dict[str, int] = {}
    for key_node, value_node in node.value:
        key = _convert(key_node, path, offset, problems)
        if not isinstance(key, Scalar):
            problems.append(error(path, key.line, "a key must be a plain name — "
                                  "write `name: value`"))
            continue
        if key.text in seen:
            problems.append(error(path, key.line, f"duplicate key {key.text!r} (also on line "
                                  f"{seen[key.text]}) — keep one of them"))
            continue
        seen[key.text] = key.line
        entries.append((key, _convert(value_node, path, offset, problems)))
    return Mapping(tuple(entries), line)

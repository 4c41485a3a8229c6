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

from ..errors import Problem, error

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
    items: tuple[Node, ...]
    line: int
    kind: str = "list"


@dataclass(frozen=True)
class Mapping:
    entries: tuple[tuple[Scalar, Node], ...]
    line: int
    kind: str = "mapping"

    def get(self, key: str) -> Node | None:
        for k, v in self.entries:
            if k.text == key:
                return v
        return None


Node = Scalar | Seq | Mapping


class _Refused(Exception):
    def __init__(self, line: int, message: str):
        self.line = line
        self.message = message


# libyaml parses about ten times faster than PyYAML's Python scanner. Only its event stream
# is used: nodes are built below with an explicit stack, so deep nesting cannot overflow the
# C stack (PyYAML's C composer recurses, and crashes on a few thousand levels).
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str, path: Path, first_line: int = 1) -> tuple[Node | None, list[Problem]]:
    """Parse one YAML document; `first_line` is the file line the text starts on."""
    offset = first_line  # YAML marks count lines from 0
    loader = _Loader(text)
    problems: list[Problem] = []
    try:
        root = _build(loader, path, offset, problems)
    except _Refused as refused:
        return None, [error(path, refused.line + offset, refused.message)]
    except yaml.MarkedYAMLError as exc:
        return None, [_yaml_problem(exc, text, path, offset)]
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        line = first_line + text.count("\n", 0, max(exc.position, 0))
        return None, [error(path, line, f"the character U+{exc.character:04X} is not allowed "
                                        "in YAML — delete it (it is usually invisible)")]
    except yaml.YAMLError as exc:  # errors without a position
        return None, [error(path, first_line, f"invalid YAML: {exc} — check the syntax")]
    finally:
        loader.dispose()
    return root, problems


def _build(loader, path: Path, offset: int, problems: list[Problem]) -> Node | None:
    """Build nodes from parser events."""
    # Each open collection: [kind, line, tag, items]; a mapping's items alternate key, value.
    stack: list[list] = []
    root: Node | None = None
    loader.get_event()  # stream start
    if loader.check_event(yaml.StreamEndEvent):
        return None
    loader.get_event()  # document start
    while True:
        event = loader.get_event()
        line = event.start_mark.line
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(line, f"YAML aliases (*{event.anchor}) are not allowed — write the "
                                 "value out in full")
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if len(stack) >= MAX_DEPTH:
                raise _Refused(line, f"YAML nested more than {MAX_DEPTH} levels deep — flatten "
                                     "the value")
            kind = "seq" if isinstance(event, yaml.SequenceStartEvent) else "map"
            explicit = not event.implicit and event.tag not in (None, "!")
            stack.append([kind, line, event.tag if explicit else f"tag:yaml.org,2002:{kind}",
                          []])
            continue
        if isinstance(event, yaml.ScalarEvent):
            tag = event.tag if event.tag not in (None, "!") else \
                loader.resolve(yaml.ScalarNode, event.value, event.implicit)
            node: Node = Scalar(event.value, _kind(tag, line + offset, path, problems),
                                line + offset)
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            kind, start, tag, items = stack.pop()
            _kind(tag, start + offset, path, problems)
            if kind == "seq":
                node = Seq(tuple(items), start + offset)
            else:
                node = Mapping(_entries(items, path, problems), start + offset)
        else:  # document end
            break
        if stack:
            stack[-1][3].append(node)
        else:
            root = node
    if not loader.check_event(yaml.StreamEndEvent):
        raise _Refused(loader.peek_event().start_mark.line,
                       "more than one YAML document — remove the extra `---` line")
    return root


def _kind(tag: str, line: int, path: Path, problems: list[Problem]) -> str:
    kind = _STANDARD_TAGS.get(tag)
    if kind is None:
        problems.append(error(path, line, f"the YAML tag {tag!r} is not allowed — remove the "
                                          "tag and write a plain value"))
        return "text"
    return kind


def _entries(items: list[Node], path: Path,
             problems: list[Problem]) -> tuple[tuple[Scalar, Node], ...]:
    entries: list[tuple[Scalar, Node]] = []
    seen: dict[str, int] = {}
    for key, value in zip(items[::2], items[1::2], strict=False):
        if not isinstance(key, Scalar):
            problems.append(error(path, key.line, "a key must be a plain name — write "
                                                  "`name: value`"))
            continue
        if key.text in seen:
            problems.append(error(path, key.line, f"duplicate key {key.text!r} (also on line "
                                                  f"{seen[key.text]}) — keep one of them"))
            continue
        seen[key.text] = key.line
        entries.append((key, value))
    return tuple(entries)


def _yaml_problem(exc: yaml.MarkedYAMLError, text: str, path: Path, offset: int) -> Problem:
    what = exc.problem or "invalid YAML"
    if "nesting depth" in what:  # libyaml's own limit, met before ours in flow collections
        mark = exc.problem_mark
        return error(path, (mark.line if mark else 0) + offset,
                     f"YAML nested more than {MAX_DEPTH} levels deep — flatten the value")
    # An unclosed quote or a stray line is found further on; where it began is the useful line.
    opened_earlier = ("while scanning a quoted scalar", "while scanning a simple key")
    mark = exc.context_mark if str(exc.context).startswith(opened_earlier) else None
    mark = mark or exc.problem_mark or exc.context_mark
    line = mark.line + offset if mark else offset
    if _indented_with_tab(text, exc.problem_mark) or "'\\t'" in what:
        hint = "indent with spaces, not tabs"
    elif ("found unexpected end of stream" in what
          or "while scanning a quoted scalar" in str(exc.context)):
        hint = "a quoted value is not closed: add the closing quote"
    elif "could not find expected ':'" in what:
        hint = "a line is neither `key: value` nor part of the value above — fix or remove it"
    elif "mapping values are not allowed" in what:
        hint = "put quotes around a value that contains ': '"
    else:
        hint = "check the quoting and indentation of this line"
    context = f" {exc.context}" if exc.context else ""
    return error(path, line, f"invalid YAML:{context} {what} — {hint}".replace("  ", " "))


def _indented_with_tab(text: str, mark) -> bool:
    if mark is None:
        return False
    lines = text.split("\n")
    line = lines[mark.line] if mark.line < len(lines) else ""
    return "\t" in line[: len(line) - len(line.lstrip())]

"""YAML read into plain values that remember their line, refusing YAML's traps.

PyYAML's loaders build Python objects straight away: duplicate keys silently keep the
last one, `title: 2024` becomes an int, aliases expand, and `!!python/...` tags name
constructors. We stop at the node graph instead, and turn it into `Scalar`, `Seq` and
`Mapping` values that keep their source line and what YAML would have made of them,
so each field can be checked with a message that says what to write instead.
"""
from __future__ import annotations

import re
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
    flow: bool = False  # written `[a, b]` rather than as `- a` lines


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
        mark = exc.problem_mark or exc.context_mark
        slips = _full_width_keys(text, first_line, mark.line if mark else len(text))
        return None, [error(path, line, message) for line, message in slips] or \
            [_yaml_problem(exc, text, path, offset)]
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        line = first_line + text.count("\n", 0, max(exc.position, 0))
        return None, [error(path, line, f"the character U+{exc.character:04X} is not allowed "
                                        "in YAML — delete it (it is usually invisible)")]
    except yaml.YAMLError as exc:  # errors without a position
        return None, [error(path, first_line, f"invalid YAML: {exc} — check the syntax")]
    finally:
        loader.dispose()
    if isinstance(root, Scalar):  # a lone `title： …` reads as text; no caller takes text
        slips = _full_width_keys(text, first_line, len(text))
        if slips:
            return None, [error(path, line, message) for line, message in slips]
    return root, problems


# A key, then a full-width colon: the commonest slip of a Chinese keyboard. YAML reads the
# line as text and fails on it or on the next one, with a message that does not say why.
_FULL_WIDTH_KEY = re.compile(r"(?P<lead>[ \t]*(?:-[ \t]+)?)(?P<key>[A-Za-z_][\w-]*)[ \t]*："
                             r"[ \t]*(?P<value>.*)")
_BLOCK_SCALAR = re.compile(r".*:[ \t]+[|>][-+0-9]*[ \t]*(#.*)?")
_FULL_WIDTH_LIST = str.maketrans({"［": "[", "］": "]", "【": "[", "】": "]"})
_FULL_WIDTH_COMMA = re.compile(r"[ \t]*[，、][ \t]*")


def full_width_list(value: str) -> str | None:
    """`［专利，商标］` as YAML's flow list `[专利, 商标]`, if it is written so."""
    fixed = value.strip().translate(_FULL_WIDTH_LIST)
    if fixed == value.strip() or not (fixed.startswith("[") and fixed.endswith("]")):
        return None
    return _FULL_WIDTH_COMMA.sub(", ", fixed)


def full_width_key(line: str) -> str | None:
    """What to say of a line whose key is followed by a full-width colon, if it is one."""
    found = _FULL_WIDTH_KEY.fullmatch(line.rstrip())
    if found is None:
        return None
    key, value = found["key"], found["value"]
    if value.startswith(("[", "［", "【")) and not any(q in value for q in "'\""):
        value = full_width_list(value) or _FULL_WIDTH_COMMA.sub(", ", value)
    fixed = f"{found['lead'].lstrip()}{key}: {value}".rstrip()
    return (f"a full-width colon `：` follows `{key}` — YAML needs an ASCII colon and a space: "
            f"`{fixed}`")


def _full_width_keys(text: str, first_line: int, last: int) -> list[tuple[int, str]]:
    """The lines up to line `last` (counted from 0) whose key has a full-width colon."""
    found = []
    block_indent: int | None = None  # inside a `|` or `>` value, lines are its text
    for index, line in enumerate(text.split("\n")[: last + 1]):
        indent = len(line) - len(line.lstrip())
        if block_indent is not None and (not line.strip() or indent > block_indent):
            continue
        block_indent = indent if _BLOCK_SCALAR.fullmatch(line.rstrip()) else None
        message = full_width_key(line)
        if message:
            found.append((first_line + index, message))
    return found


def _build(loader, path: Path, offset: int, problems: list[Problem]) -> Node | None:
    """Build nodes from parser events."""
    # Each open collection: [kind, line, tag, items, flow]; a mapping's items alternate key, value.
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
                          [], bool(event.flow_style)])
            continue
        if isinstance(event, yaml.ScalarEvent):
            tag = event.tag if event.tag not in (None, "!") else \
                loader.resolve(yaml.ScalarNode, event.value, event.implicit)
            node: Node = Scalar(event.value, _kind(tag, line + offset, path, problems),
                                line + offset)
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            kind, start, tag, items, flow = stack.pop()
            _kind(tag, start + offset, path, problems)
            if kind == "seq":
                node = Seq(tuple(items), start + offset, flow=flow)
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

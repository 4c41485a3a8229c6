"""Text lint for scraping artifacts in a report body: a pure function of the text.

Scraped Chinese pages carry typical slips: doubled punctuation (`据统计,,`), a `?` where a
character was lost (`2015?2020年`), mojibake, page chrome (打印本页), HTML entities, ASCII
punctuation inside Chinese sentences, repeated paragraphs. The archive keeps a source's
slips as found, so a report can list the excerpts it keeps on purpose (`as_found`); a
finding inside one of them is counted as acknowledged, not reported.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Characters that make the text around them Chinese: Han, CJK and full-width punctuation,
# and the curly quotes, dash and ellipsis Chinese text uses.
_CHINESE = _HAN + "\u3000-\u303f\uff00-\uffef\u2018\u2019\u201c\u201d\u2014\u2026"
_FIX = " — correct it, or list the excerpt in `as_found` if the source has it so"
# The body `ipr-archive new` writes, to be replaced by the report's text.
PLACEHOLDER = "（在此照录报告正文：逐字照录来源，来源中的错漏按原样保留，并列入 as_found。）"


@dataclass(frozen=True)
class Finding:
    line: int  # counted from the `first_line` given to lint_body
    rule: str
    message: str
    spans: tuple[tuple[int, int], ...]  # (start, end) offsets of the flagged text in the body

    def __str__(self) -> str:
        return f"{self.line}: {self.message}"


@dataclass(frozen=True)
class LintResult:
    findings: tuple[Finding, ...]  # not acknowledged, in text order
    acknowledged: int  # flagged places that lie inside an `as_found` excerpt


# Each rule: (name, pattern, message for the matched text). Earlier rules win where two
# flag the same characters, so `2015?2020` is one lost character, not also stray ASCII.
_MOJIBAKE = re.compile(
    "\ufffd+"  # the replacement character: bytes that could not be decoded
    "|(?:锟斤拷)+|烫烫+|屯屯+"  # U+FFFD pairs and MSVC fill bytes read as GBK
    "|[\u00c2-\u00df][\u0080-\u00bf]"  # UTF-8 read as Latin-1 / Windows-1252
    "|[\u00e0-\u00ef][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6"
    "\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]{2}"
    "|[\u0080-\u009f]")  # C1 control characters never belong in text
_CHROME = re.compile(
    r"打印本页|打印此页|关闭窗口|关闭本页|返回顶部|加入收藏|收藏本站|收藏本页|设为首页"
    r"|[【\[]\s*(?:打印|关闭|收藏|顶部)\s*[】\]]"
    r"|[【\[]?\s*字体\s*[：:]?\s*[【\[]?大[】\]]?\s*[【\[]?中[】\]]?\s*[【\[]?小[】\]]?\s*[】\]]?"
    r"|(?:上一篇|下一篇|分享到)\s*[：:]")
_ENTITY = re.compile(r"&(?:#[0-9]{2,7}|#[xX][0-9a-fA-F]{2,6}|[A-Za-z][A-Za-z0-9]{1,31});"
                     r"|&(?:nbsp|amp|lt|gt|quot|apos|ldquo|rdquo|lsquo|rsquo|mdash|hellip)\b")
_LOST = re.compile(rf"(?<=[0-9{_HAN}])\?+(?=[0-9{_HAN}])|(?<=[0-9])？+(?=[0-9])"
                   rf"|\?{{2,}}")
_DOUBLED = re.compile(r"[,，。、；;：:]{2,}")
_ASCII = re.compile(rf"(?<=[{_CHINESE}])[,;:!?()\"]|[,;:!?()\"](?=[{_CHINESE}])")

_RULES = (
    ("mojibake", _MOJIBAKE, lambda t: f"garbled text {t!r} (mojibake or an undecodable byte)"),
    ("page-chrome", _CHROME, lambda t: f"leftover page chrome {t!r}"),
    ("html-entity", _ENTITY, lambda t: f"stray HTML entity {t!r}"),
    ("lost-character", _LOST, lambda t: f"{t!r} stands where a character was lost"),
    ("doubled-punctuation", _DOUBLED, lambda t: f"doubled punctuation {t!r}"),
)
_FULL_WIDTH = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）",
               '"': "“”"}
_MIN_REPEATED = 12  # shorter paragraphs (a heading, a signature) may well repeat


def lint_body(body: str, first_line: int = 1, as_found: tuple[str, ...] = ()) -> LintResult:
    """Every artifact in a Markdown body. `first_line` is the file line the body starts on;
    flagged text lying wholly inside an occurrence of an `as_found` excerpt is not reported."""
    text = _mask_markup(body)
    covered = _occurrences(body, as_found)
    raw: list[tuple[int, int, str, str]] = []  # (start, end, rule, message)
    taken: list[tuple[int, int]] = []
    for rule, pattern, message in _RULES:
        for match in pattern.finditer(text):
            span = match.span()
            if not _overlaps(span, taken):
                taken.append(span)
                raw.append((*span, rule, message(match.group()) + _FIX))
    for match in _ASCII.finditer(text):
        if not _overlaps(match.span(), taken):
            raw.append((*match.span(), "ascii-punctuation", match.group()))
    raw.extend((start, end, rule, message + _FIX)
               for start, end, rule, message in _repeated_paragraphs(body, first_line))
    start = body.find(PLACEHOLDER)
    if start >= 0:
        raw.append((start, start + len(PLACEHOLDER), "placeholder",
                    "the body is still the placeholder `ipr-archive new` wrote — copy the "
                    "report's text in its place"))

    kept = [item for item in raw if not _inside(item[:2], covered)]
    acknowledged = len(raw) - len(kept)

    def line_of(offset: int) -> int:
        return body.count("\n", 0, offset) + first_line

    findings = [Finding(line_of(start), rule, message, ((start, end),))
                for start, end, rule, message in kept if rule != "ascii-punctuation"]
    # ASCII punctuation comes by the dozen in a scraped page: one finding per line.
    by_line: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for start, end, rule, char in kept:
        if rule == "ascii-punctuation":
            by_line[line_of(start)].append((start, end, char))
    for line, places in by_line.items():
        counts = Counter(char for _, _, char in places)
        listed = ", ".join(f"{char!r}" + (f" ×{n}" if n > 1 else "") +
                           f" (use {_FULL_WIDTH[char]!r})" for char, n in counts.items())
        findings.append(Finding(line, "ascii-punctuation",
                                f"ASCII punctuation inside Chinese text: {listed}" + _FIX,
                                tuple((s, e) for s, e, _ in places)))
    findings.sort(key=lambda f: (f.spans[0], f.rule))
    return LintResult(tuple(findings), acknowledged)


def _mask_markup(body: str) -> str:
    """The body with code, link targets and URLs blanked out (same length, so offsets and
    lines still match): `?` and `&amp;` are at home there."""
    def blank(match: re.Match) -> str:
        return re.sub(r"[^\n]", " ", match.group())

    text = re.sub(r"^(```|~~~).*?^\1[^\n]*$", blank, body, flags=re.DOTALL | re.MULTILINE)
    text = re.sub(r"`[^`\n]+`", blank, text)
    text = re.sub(r"(?<=\])\([^)\s]*(?:\s+\"[^\"]*\")?\)", blank, text)  # [text](target)
    text = re.sub(r"!(?=\[)", " ", text)  # ![image](…)
    text = re.sub(r"^\s*\[[^\]]+\]:\s*\S+.*$", blank, text, flags=re.MULTILINE)
    text = re.sub(r"<[a-zA-Z][a-zA-Z0-9+.-]*:[^>\s]*>|https?://[^\s<>()（）]+", blank, text)
    return text


def _occurrences(body: str, excerpts: tuple[str, ...]) -> list[tuple[int, int]]:
    found = []
    for excerpt in excerpts:
        if not excerpt:
            continue
        start = body.find(excerpt)
        while start >= 0:
            found.append((start, start + len(excerpt)))
            start = body.find(excerpt, start + 1)
    return found


def _inside(span: tuple[int, int], covered: list[tuple[int, int]]) -> bool:
    return any(start <= span[0] and span[1] <= end for start, end in covered)


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)


def _repeated_paragraphs(body: str, first_line: int) -> list[tuple[int, int, str, str]]:
    seen: dict[str, int] = {}
    found = []
    for match in re.finditer(r"[^\n]*\S[^\n]*(?:\n[^\n]*\S[^\n]*)*", body):
        key = "".join(match.group().split())
        if len(key) < _MIN_REPEATED:
            continue
        if key in seen:
            line = body.count("\n", 0, seen[key]) + first_line
            found.append((*match.span(), "repeated-paragraph",
                          f"this paragraph repeats the one at line {line}"))
        else:
            seen[key] = match.start()
    return found

"""Write generator/search/t2s.txt, the character table search folds traditional into
simplified Chinese with, from OpenCC's own conversions (`pip install 'opencc==1.4.2'`).

Each CJK character is converted alone with OpenCC's t2s, then tw2s and hk2s (Taiwan and
Hong Kong variant forms); a character that becomes one other character is kept, when both
take as many UTF-16 units (the browser then folds a text without moving any offset).
Chains are followed to their end, so folding twice is folding once. Run it again after
upgrading OpenCC; tests/search/test_fold.py checks the table still matches.

    python3 scripts/fold_table.py
"""
from __future__ import annotations

import sys
from pathlib import Path

TABLE = Path(__file__).resolve().parent.parent / "generator" / "search" / "t2s.txt"
RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FFFF))
CONFIGS = ("t2s", "tw2s", "hk2s")


def table() -> dict[str, str]:
    import opencc

    converters = [opencc.OpenCC(name) for name in CONFIGS]
    found: dict[str, str] = {}
    for start, end in RANGES:
        for point in range(start, end + 1):
            char = chr(point)
            for converter in converters:
                out = converter.convert(char)
                if len(out) == 1 and out != char and (point > 0xFFFF) == (ord(out) > 0xFFFF):
                    found[char] = out
                    break
    for char in list(found):
        seen = {char}
        while found[char] in found and found[char] not in seen:
            seen.add(found[char])
            found[char] = found[found[char]]
    return {char: out for char, out in sorted(found.items()) if out != char}


def text(pairs: dict[str, str]) -> str:
    return "".join(f"{char}{out}\n" for char, out in pairs.items())


if __name__ == "__main__":
    TABLE.write_text(text(table()), "utf-8")
    print(f"{TABLE}: {len(table())} characters", file=sys.stderr)

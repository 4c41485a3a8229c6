"""A deterministic archive of N generated Chinese reports, shaped like the real ones.

    python -m benchmarks.corpus 10000 /tmp/corpus-10k

writes a complete site root (site.yaml and content/; the theme is the built-in one). The
same N always gives the same bytes. Sentences are recombined from the archive's own seed
page, so segmentation, punctuation and character mix are realistic.
"""
from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "tests" / "fixtures" / "seed-page.txt"

REGIONS = ["北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省",
           "上海市", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省",
           "湖南省", "广东省", "广西壮族自治区", "海南省", "重庆市", "四川省", "贵州省", "云南省",
           "西藏自治区", "陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区"]
TAGS = ["知识产权联席会议", "专利", "商标", "版权", "世界知识产权日", "知识产权战略",
        "知识产权强省",
        "知识产权强县", "执法协作", "区域合作", "泛珠三角", "地理标志", "专利信息", "人才培养",
        "知识产权保护", "创新驱动", "科技体制改革", "行政执法", "宣传培训", "知识产权运用"]
HEADINGS = ["会议概况", "主要成效", "工作部署", "下一步安排", "经验做法", "存在问题", "数据统计"]


def seed_clauses() -> list[str]:
    text = SEED.read_text("utf-8")
    clauses = [c.strip() for c in re.split(r"[\n,，。;；]", text) if 8 <= len(c.strip()) <= 60]
    return sorted(set(clauses))


def make_report(index: int, rng: random.Random, clauses: list[str]) -> str:
    year = rng.choice([None] + list(range(2000, 2025)))
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    date = f"XXXX-{month:02d}-{day:02d}" if year is None else f"{year}-{month:02d}-{day:02d}"
    region = rng.choice(REGIONS)
    tags = rng.sample(TAGS, rng.randint(1, 4))
    title = f"{region}{rng.choice(clauses)[:24]}（第{index}号）"
    summary = rng.choice(clauses) + "。"
    head = "\n".join([
        "---",
        f"title: {title}",
        f"date: {date}",
        f"slug: report-{index:06d}",
        f"place: {region}",
        f"region: {region}",
        f"tags: [{', '.join(tags)}]",
        f"summary: {summary}",
        "source:",
        "  site: 基准测试语料",
        f"  page_title: 生成页面{index % 100}",
        f"  section: 第{index}节",
        "---",
        "",
    ])
    target = rng.randint(2500, 4000)  # bytes of the whole file, front matter included
    body: list[str] = []
    size = len(head.encode("utf-8")) + 1
    while True:
        roll = rng.random()
        if roll < 0.12:
            block = f"## {rng.choice(HEADINGS)}"
        elif roll < 0.22:
            block = "\n".join(f"- {rng.choice(clauses)}；" for _ in range(rng.randint(2, 4)))
        else:
            sentences = [",".join(rng.sample(clauses, rng.randint(2, 4))) + "。"
                         for _ in range(rng.randint(2, 4))]
            block = "".join(sentences)
            if rng.random() < 0.2:
                other = rng.randrange(1, index + 1)
                block += f"参见[相关报告](report-{other:06d}.html)。"
        if size + len(block.encode("utf-8")) + 2 > 4000:
            if size >= 2500:
                break
            continue  # would pass 4 KB: draw another block (headings always fit)
        body.append(block)
        size += len(block.encode("utf-8")) + 2
        if size >= target:
            break
    return head + "\n\n".join(body) + "\n"


def write_corpus(count: int, root: Path, seed: int = 20261125) -> Path:
    """Write a site root with `count` reports; returns the root."""
    rng = random.Random(seed)
    clauses = seed_clauses()
    reports = root / "content" / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    for index in range(1, count + 1):
        text = make_report(index, rng, clauses)
        (reports / f"report-{index:06d}.md").write_text(text, encoding="utf-8")
    (root / "content" / "pages").mkdir(exist_ok=True)
    (root / "content" / "pages" / "about.md").write_text(
        "---\ntitle: 关于\n---\n\n生成的基准测试档案。\n", encoding="utf-8")
    links = "".join(f"- title: 关于第{i}个世界知识产权日活动方案\n" for i in range(1, 21))
    (root / "content" / "links.yaml").write_text(links, encoding="utf-8")
    (root / "site.yaml").write_text("title: 基准测试档案\npage_size: 20\n", encoding="utf-8")
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, help="how many reports")
    parser.add_argument("root", type=Path, help="the site root to write (created)")
    args = parser.parse_args()
    if args.root.exists() and any(args.root.iterdir()):
        parser.error(f"{args.root} exists and is not empty")
    write_corpus(args.count, args.root)
    print(f"wrote {args.count} reports to {args.root}")


if __name__ == "__main__":
    main()

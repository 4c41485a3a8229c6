"""Reports written for the search tests: simplified, traditional and mixed, with names,
places, terms of art, Latin words and numbers; and the queries a reader would ask."""
from __future__ import annotations

from generator.search.index import SearchDoc

TEXTS = [
    ("国家知识产权局发布2024年专利统计", "2024-01-10", "北京", "北京市", ("专利", "统计"),
     "国家知识产权局今天发布2024年专利统计年报。发明专利授权量继续增长，PCT国际专利申请"
     "数量位居世界前列。"),
    ("香港特區政府推動知識產權貿易", "2023-11-02", "香港", "香港特别行政区", ("知识产权", "贸易"),
     "香港特別行政區政府表示，將繼續推動知識產權貿易，並與世界知識產權組織（WIPO）合作，"
     "為粵港澳大灣區的企業提供專利和商標服務。"),
    ("澳门举办知识产权宣传周", "2023-04-26", "澳門", "澳门特别行政区", ("知识产权", "宣传"),
     "澳門經濟及科技發展局在世界知识产权日举办宣传周活动，介绍商标注册和版权保护。"),
    ("广东省版权局查处侵权案件", "2022-09-15", "广州", "广东省", ("版权",),
     "广东省版权局联合公安部门查处一批网络侵权盗版案件，涉及影视作品和软件。"),
    ("CNIPA and WIPO sign cooperation memorandum", "2022-06-01", "Geneva", "", ("国际合作",),
     "The China National Intellectual Property Administration (CNIPA) and WIPO signed a "
     "memorandum on PCT and Madrid services. 双方将加强合作。"),
    ("浙江实施知识产权强省战略", "2021-03-18", "杭州", "浙江省", ("知识产权战略",),
     "浙江省知识产权局召开会议，部署实施知识产权强省战略，推进五水共治和专利导航工程。"),
    ("江蘇省專利獎評選結果公佈", "2021-12-30", "南京", "江苏省", ("专利",),
     "江蘇省知識產權局公佈第十屆江蘇省專利獎評選結果，共有50項專利獲獎。"),
    ("泛珠三角区域知识产权合作", "2020-10-20", "南昌", "江西省", ("区域合作",),
     "第十一届泛珠三角区域知识产权合作联席会议在江西南昌举行，九省区和香港、澳门代表出席。"),
    ("商標法修訂草案徵求意見", "2019-05-05", "台北", "", ("商标",),
     "修訂草案對商標註冊程序作出調整，並加強對惡意搶註的規制。mixed 混合 Text 文字。"),
    ("著作权登记数量创新高", "2018-08-08", "", "", ("版权",),
     "全国著作权登记总量突破300万件，其中作品登记占多数。"),
]

QUERIES = [
    "知识产权", "知識產權", "知识產權", "专利", "專利", "产权局", "版权局", "粤港澳",
    "粵港澳大灣區", "香港", "澳门", "澳門", "WIPO", "wipo", "Cnipa", "pct", "PCT 专利",
    "2024", "300", "50", "局", "權", "五水共治", "泛珠三角", "南昌", "商标", "商標 註冊",
    "著作权", "mixed text", "Madrid", "国家知识产权局发布2024年专利统计年报。发明专利授权量继续"
    "增长，PCT国际专利申请数量位居世界前列，还有更多更多的文字超过任何一篇报告",
    "乱码词汇不存在", "zzzz", "知识产权 浙江", "版权，侵权", "知识产权局 江苏",
]


def corpus_docs() -> list[SearchDoc]:
    return [SearchDoc(f"reports/r{n:02d}.html", title, date, place, (region,) if region else (),
                      tags, date[:4] + "年", text)
            for n, (title, date, place, region, tags, text) in enumerate(TEXTS)]


def corpus_files() -> dict[str, str]:
    """The same reports as the content of a site."""
    files = {}
    for n, (title, date, place, region, tags, text) in enumerate(TEXTS):
        front = [f"title: {title}", f"date: {date}"]
        if place:
            front.append(f"place: {place}")
        if region:
            front.append(f"region: {region}")
        front.append("tags: [" + ", ".join(tags) + "]")
        files[f"content/reports/r{n:02d}.md"] = "---\n" + "\n".join(front) + "\n---\n" + \
            text + "\n"
    return files

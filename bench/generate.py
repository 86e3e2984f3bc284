#!/usr/bin/env python3
"""Generate synthetic article files for the Publisher benchmarks.

    python3 bench/generate.py OUT_DIR [--count N] [--seed S] [--start-index K] [--manifest FILE]

Writes N files (default 10000) named NNNNN_<hex>.txt / .md into OUT_DIR:

* ~70% scraped news pages (.txt) in the layout of seeds/000_*.txt: site chrome, a breadcrumb with one of
  20 categories, the title line, a meta line "发布时间：YYYY-MM-DD HH:MM 来源：… 作者：…", 5-15 body
  paragraphs (~1,500-2,500 characters in all) and footer chrome (版权所有, ICP备…). About 10% of them are
  GB18030-encoded, the rest UTF-8.
* ~30% Markdown (.md) with YAML front matter: title, date, category, tags (and author).

Everything is a function of (seed, index): the same arguments give the same bytes, and article K is the
same whatever N is, so `--start-index 10000 --count 1` makes "the next" article. Dates are distinct and
grow with the index (one article every ~7 hours from 2016-01-01), so a higher index is always newer.

--manifest FILE writes one tab-separated line per article: file, format, encoding, date, category, title.
Only the Python standard library is used.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import random
import sys

CATEGORIES = [
    "通知公告", "政务动态", "部门动态", "政策解读", "人事信息", "基层风采", "媒体聚焦", "专题专栏",
    "法治建设", "经济运行", "农业农村", "生态环境", "教育科技", "文化旅游", "卫生健康", "社会保障",
    "城市建设", "交通运输", "应急管理", "人民监督",
]

TAGS = [
    "乡村振兴", "营商环境", "民生实事", "安全生产", "疫情防控", "数字政府", "生态保护", "基层治理",
    "科技创新", "就业创业", "文明创建", "党建引领", "项目建设", "改革开放", "依法行政", "便民服务",
    "防汛抗旱", "普法宣传", "招商引资", "教育公平",
]

CITIES = ["临江", "溪山", "云州", "青阳", "安平", "东湖", "北岭", "南屏", "石川", "桐城", "清河", "丰泽",
          "鹤岗湾", "梅林", "长宁", "玉泉"]

BODIES = ["人民政府", "发展和改革委员会", "农业农村局", "生态环境局", "教育局", "卫生健康委员会",
          "人力资源和社会保障局", "住房和城乡建设局", "交通运输局", "应急管理局", "市场监督管理局",
          "文化广电旅游局", "司法局", "财政局", "统计局", "人民检察院", "科学技术局", "民政局"]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力晓燕鹏宇浩然思远志诚佳慧"

TITLE_PATTERNS = [
    "{city}市{body}关于做好{year}年{topic}工作的通知",
    "{city}市召开{topic}工作推进会",
    "{city}市{body}部署{topic}重点任务",
    "{city}：{topic}取得阶段性成效",
    "关于印发《{city}市{topic}实施方案》的通知",
    "{city}市{year}年{topic}工作综述",
    "{city}市多措并举推进{topic}",
    "{city}市{body}开展{topic}专项行动",
    "一图读懂《{city}市{topic}三年行动计划》",
    "{city}市{body}负责人就{topic}答记者问",
    "{city}市{topic}现场观摩会召开",
    "{city}市{body}{month}月份{topic}情况通报",
]

TOPICS = ["冬季供暖保障", "秋粮收购", "安全生产大检查", "营商环境优化", "河湖长制", "垃圾分类",
          "老旧小区改造", "校园食品安全", "防汛备汛", "高标准农田建设", "数字乡村建设", "养老服务体系建设",
          "优化税费服务", "文明城市创建", "森林防火", "就业援助月", "医保基金监管", "农村人居环境整治",
          "扫黑除恶常态化", "重点项目建设", "消费品以旧换新", "科技成果转化", "社区治理创新", "公共文化服务"]

# Sentence parts for the filler text; no ASCII colon or "：", so no body line looks like a meta line,
# and no footer words (版权所有, ICP, Copyright…), so no body line ends the body early.
OPENERS = ["今年以来", "近日", "日前", "为深入贯彻落实上级决策部署", "记者从有关部门获悉", "据了解",
           "截至目前", "下一步", "与此同时", "在此基础上", "针对群众反映的突出问题", "按照统一安排",
           "会议强调", "会议指出", "据介绍", "从实际情况看"]
SUBJECTS = ["全市各级各部门", "市{body}", "各县（市、区）", "相关职能部门", "基层党组织", "广大党员干部",
            "各乡镇街道", "有关企业", "社区工作人员", "执法人员", "专项工作组", "市委市政府"]
VERBS = ["坚持问题导向", "聚焦重点领域", "强化统筹协调", "压实工作责任", "创新工作方式", "加强督促检查",
         "完善制度机制", "狠抓工作落实", "深化改革创新", "加大投入力度", "优化服务流程", "推动资源下沉"]
GOALS = ["切实保障人民群众切身利益", "推动各项工作落地见效", "不断提升群众的获得感和幸福感",
         "确保各项任务按期完成", "努力打造共建共治共享的治理格局", "为经济社会高质量发展提供有力支撑",
         "持续巩固拓展已有成果", "着力解决群众急难愁盼问题", "形成上下联动的良好工作格局",
         "全面提升工作的规范化水平", "让改革成果更多更公平惠及群众"]
FACTS = ["全年累计受理各类事项{n}件，办结率达到{p}%", "共排查各类隐患{n}处，已整改{p}%",
         "累计投入资金{m}亿元，惠及群众{n}余户", "共组织培训{k}场次，参训人员{n}余人次",
         "新建和改造各类设施{k}处，覆盖{n}余个村（社区）", "全年完成投资{m}亿元，同比增长{p2}%",
         "共开展联合检查{k}次，出动人员{n}人次", "群众满意度达到{p}%，较上年提高{p2}个百分点"]
QUOTES = ["“这项工作事关千家万户，一刻也不能放松。”", "“办事比以前方便多了，跑一次就能办好。”",
          "“我们要把好事办实、把实事办好。”", "“下一步还将继续加大工作力度。”",
          "“群众的事无小事，必须件件有着落。”"]
CLOSERS = ["。", "。", "。", "；", "！"]

SITES = ["{city}市人民政府门户网站", "{city}市{body}", "政讯通中心", "{city}新闻网", "{city}市政务信息网"]
NAV = ["首页 | 政务公开 | 政务服务 | 互动交流 | 走进{city}", "网站首页 | 新闻中心 | 政策法规 | 办事指南 | 公众参与",
       "首页 | 机构概况 | 信息公开 | 在线办事 | 专题专栏"]
CRUMBS = ["您现在的位置：首页 > {cat} > 正文", "当前位置：首页 >> {cat}", "当前所在: 网站首页>> {cat} >>正文",
          "您当前的位置：网站首页 > 新闻中心 > {cat}", "当前位置：首页 ＞ {cat} ＞ 正文内容"]
PROVINCES = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新"

BASE_DATE = dt.datetime(2016, 1, 1, 8, 0)
STEP_MINUTES = 7 * 60  # one article per ~7 hours; jitter stays inside the step, so dates are distinct


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2, 2])))


def fill(template: str, rng: random.Random, city: str) -> str:
    return template.format(
        city=city, body=rng.choice(BODIES), year=rng.randint(2016, 2024), month=rng.randint(1, 12),
        topic=rng.choice(TOPICS), n=rng.randint(120, 98000), p=rng.randint(85, 99), m=round(rng.uniform(0.5, 60), 1),
        k=rng.randint(8, 400), p2=round(rng.uniform(0.5, 18), 1), cat="", )


def sentence(rng: random.Random, city: str) -> str:
    kind = rng.random()
    if kind < 0.45:
        s = f"{rng.choice(OPENERS)}，{fill(rng.choice(SUBJECTS), rng, city)}{rng.choice(VERBS)}，{rng.choice(VERBS)}，{rng.choice(GOALS)}"
    elif kind < 0.8:
        s = f"{rng.choice(OPENERS)}，{fill(rng.choice(FACTS), rng, city)}，{rng.choice(GOALS)}"
    elif kind < 0.9:
        s = f"{person(rng)}表示，{rng.choice(QUOTES)}{fill(rng.choice(SUBJECTS), rng, city)}将{rng.choice(VERBS)}"
    else:
        s = f"{fill(rng.choice(SUBJECTS), rng, city)}围绕{rng.choice(TOPICS)}{rng.choice(VERBS)}，{rng.choice(GOALS)}"
    return s + rng.choice(CLOSERS)


def paragraphs(rng: random.Random, city: str) -> list[str]:
    count = rng.randint(5, 15)
    target = rng.randint(1500, 2500)
    paras, used = [], 0
    for i in range(count):
        per = (target - used) // (count - i)  # what is left, spread over the paragraphs still to write
        p = sentence(rng, city)
        while len(p) < per - 25:  # a sentence is ~50 characters: stop about half a sentence short
            p += sentence(rng, city)
        used += len(p)
        if p.endswith("；"):
            p = p[:-1] + "。"
        paras.append(p)
    return paras


def article_date(rng: random.Random, index: int) -> dt.datetime:
    return BASE_DATE + dt.timedelta(minutes=index * STEP_MINUTES + rng.randrange(STEP_MINUTES))


def make_txt(rng: random.Random, a: dict) -> str:
    city = a["city"]
    lines = [fill(rng.choice(SITES), rng, city), fill(rng.choice(NAV), rng, city), "",
             rng.choice(CRUMBS).format(cat=a["category"]), "", a["title"], ""]
    meta = f"发布时间：{a['date']:%Y-%m-%d %H:%M} 来源：{a['source']} 作者：{a['author']}"
    if rng.random() < 0.4:
        meta += f" 点击数：{rng.randint(10, 9999)}"
    lines += [meta, ""]
    if rng.random() < 0.3:
        lines += ["【字体：大 中 小】【打印本页】", ""]
    for p in a["paragraphs"]:
        lines += ["　　" + p, ""]
    lines += ["【打印本页】【关闭窗口】",
              f"上一篇：{city}市{rng.choice(TOPICS)}工作简报",
              f"下一篇：关于{rng.choice(TOPICS)}的公示",
              f"主办单位：{city}市{rng.choice(BODIES)}　承办：{city}市大数据中心",
              f"版权所有：{city}市人民政府　{rng.choice(PROVINCES)}ICP备{rng.randint(10000000, 99999999)}号-{rng.randint(1, 9)}",
              f"联系电话：0{rng.randint(100, 999)}-{rng.randint(10000000, 99999999)}"]
    newline = "\r\n" if rng.random() < 0.1 else "\n"
    return newline.join(lines) + newline


def yaml_quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def make_md(rng: random.Random, a: dict) -> str:
    tags = rng.sample(TAGS, rng.randint(1, 4))
    out = ["---",
           f"title: {yaml_quote(a['title'])}",
           f"date: {yaml_quote(a['date'].strftime('%Y-%m-%dT%H:%M:00+08:00'))}",
           f"category: {a['category']}",
           f"tags: [{', '.join(tags)}]",
           f"author: {a['author']}",
           "---", ""]
    paras = a["paragraphs"]
    for i, p in enumerate(paras):
        if i > 0 and i % 4 == 0:
            out += [f"## {rng.choice(VERBS)}，{rng.choice(GOALS)}", ""]
        if rng.random() < 0.15:
            first, _, rest = p.partition("，")
            p = f"**{first}**，{rest}" if rest else p
        out += [p, ""]
    if rng.random() < 0.3:
        out += [f"- {rng.choice(VERBS)}" for _ in range(3)] + [""]
    return "\n".join(out)


def article(seed: int, index: int) -> tuple[str, bytes, dict]:
    rng = random.Random(f"{seed}:{index}")
    city = rng.choice(CITIES)
    a = {
        "city": city,
        "date": article_date(rng, index),
        "category": rng.choice(CATEGORIES),
        "author": person(rng),
        "source": f"{city}市{rng.choice(BODIES)}",
    }
    a["title"] = fill(rng.choice(TITLE_PATTERNS), rng, city)
    a["paragraphs"] = paragraphs(rng, city)
    tag = hashlib.sha256(f"{seed}:{index}".encode()).hexdigest()[:16]
    if rng.random() < 0.70:
        text = make_txt(rng, a)
        encoding = "gb18030" if rng.random() < 0.10 else "utf-8"
        name, fmt = f"{index:05d}_{tag}.txt", "txt"
    else:
        text = make_md(rng, a)
        encoding = "utf-8"
        name, fmt = f"{index:05d}_{tag}.md", "md"
    a.update(file=name, format=fmt, encoding=encoding)
    return name, text.encode(encoding), a


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", help="folder to write the articles into (created if missing)")
    ap.add_argument("--count", "-n", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--start-index", type=int, default=0)
    ap.add_argument("--manifest", help="write file/format/encoding/date/category/title lines (TSV) here")
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
    manifest = open(args.manifest, "w", encoding="utf-8") if args.manifest else None
    stats = {"txt": 0, "md": 0, "gb18030": 0, "bytes": 0}
    for index in range(args.start_index, args.start_index + args.count):
        name, data, a = article(args.seed, index)
        with open(os.path.join(args.out, name), "wb") as f:
            f.write(data)
        stats[a["format"]] += 1
        stats["gb18030"] += a["encoding"] == "gb18030"
        stats["bytes"] += len(data)
        if manifest:
            manifest.write(f"{name}\t{a['format']}\t{a['encoding']}\t{a['date']:%Y-%m-%d %H:%M}\t{a['category']}\t{a['title']}\n")
    if manifest:
        manifest.close()
    print(f"generated {args.count} articles in {args.out}: {stats['txt']} .txt ({stats['gb18030']} GB18030), "
          f"{stats['md']} .md, {stats['bytes'] / 1e6:.1f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

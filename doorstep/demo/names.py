"""Word lists for realistic synthetic Chinese names, addresses and identifiers.

Pure functions over a ``random.Random`` so the demo city is reproducible from its seed.
Surname weights follow the published frequency ranking (per mille, rounded); given-name
characters are split by generation (elders born 1930-1966 vs their children) and sex.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random

# (surname, weight per mille of the population), most frequent first.
SURNAMES: list[tuple[str, int]] = [
    ("王", 71), ("李", 70), ("张", 67), ("刘", 54), ("陈", 46), ("杨", 31), ("黄", 25),
    ("赵", 23), ("吴", 21), ("周", 20), ("徐", 17), ("孙", 15), ("马", 15), ("朱", 13),
    ("胡", 13), ("郭", 12), ("何", 12), ("高", 11), ("林", 11), ("罗", 10), ("郑", 9),
    ("梁", 9), ("谢", 8), ("宋", 7), ("唐", 7), ("许", 7), ("韩", 6), ("冯", 6), ("邓", 6),
    ("曹", 6), ("彭", 6), ("曾", 5), ("肖", 5), ("田", 5), ("董", 5), ("袁", 5), ("潘", 4),
    ("于", 4), ("蒋", 4), ("蔡", 4), ("余", 4), ("杜", 4), ("叶", 4), ("程", 4), ("苏", 3),
    ("魏", 3), ("吕", 3), ("丁", 3), ("任", 3), ("沈", 3), ("姚", 3), ("卢", 3), ("姜", 3),
    ("崔", 3), ("钟", 3), ("谭", 3), ("陆", 3), ("汪", 2), ("范", 2), ("金", 2), ("石", 2),
    ("廖", 2), ("贾", 2), ("夏", 2), ("韦", 2), ("付", 2), ("方", 2), ("白", 2), ("邹", 2),
    ("孟", 2), ("熊", 2), ("秦", 2), ("邱", 2), ("江", 2), ("尹", 2), ("薛", 2), ("闫", 2),
    ("段", 2), ("雷", 2), ("侯", 2), ("龙", 2), ("史", 2), ("陶", 1), ("黎", 1), ("贺", 1),
    ("顾", 1), ("毛", 1), ("郝", 1), ("龚", 1), ("邵", 1), ("万", 1), ("钱", 1), ("严", 1),
    ("武", 1), ("戴", 1), ("莫", 1), ("孔", 1), ("牛", 1), ("祁", 1), ("包", 1), ("拓", 1),
]  # fmt: skip
_SURNAME_CHARS = [s for s, _ in SURNAMES]
_SURNAME_CUM = list(itertools.accumulate(w for _, w in SURNAMES))

ELDER_MALE = "国建华明军志德文福永平忠荣成林海春金宝山生发胜利兴强光庆祥贵全有民新立东卫进学玉"
ELDER_FEMALE = "秀英兰芳玉珍桂凤梅华霞琴淑敏丽云莲花香娥翠素萍红菊芬爱美月蓉娟巧彩"
YOUNG_MALE = "伟磊强军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳晨"
YOUNG_FEMALE = "静丽敏燕艳娟霞芳娜婷雪慧莉萍玲琳颖倩洁晶丹蕾佳欣怡璐露晓"


def person_name(rng: random.Random, *, male: bool, elder: bool) -> str:
    """A surname drawn by frequency and a one- or two-character given name."""
    surname = rng.choices(_SURNAME_CHARS, cum_weights=_SURNAME_CUM)[0]
    pool = (
        (ELDER_MALE if male else ELDER_FEMALE) if elder else (YOUNG_MALE if male else YOUNG_FEMALE)
    )
    given = rng.choice(pool) if rng.random() < 0.3 else rng.choice(pool) + rng.choice(pool)
    return surname + given


# Two-character place words (zh, pinyin) and suffixes for community and village names.
PLACE_WORDS: list[tuple[str, str]] = [
    ("东岗", "Donggang"), ("雁滩", "Yantan"), ("五泉", "Wuquan"), ("金城", "Jincheng"),
    ("白塔", "Baita"), ("安宁", "Anning"), ("和平", "Heping"), ("幸福", "Xingfu"),
    ("团结", "Tuanjie"), ("民主", "Minzhu"), ("建设", "Jianshe"), ("光明", "Guangming"),
    ("春晖", "Chunhui"), ("东湖", "Donghu"), ("西园", "Xiyuan"), ("南关", "Nanguan"),
    ("北山", "Beishan"), ("青年", "Qingnian"), ("红星", "Hongxing"), ("新华", "Xinhua"),
    ("兴隆", "Xinglong"), ("拱星", "Gongxing"), ("盘旋", "Panxuan"), ("庆阳", "Qingyang"),
    ("皋兰", "Gaolan"), ("秦安", "Qin'an"), ("平凉", "Pingliang"), ("武都", "Wudu"),
    ("嘉峪", "Jiayu"), ("畅家", "Changjia"), ("王家", "Wangjia"), ("李家", "Lijia"),
    ("张家", "Zhangjia"), ("刘家", "Liujia"), ("马家", "Majia"), ("杨家", "Yangjia"),
    ("河湾", "Hewan"), ("柳树", "Liushu"), ("杏花", "Xinghua"), ("桃园", "Taoyuan"),
]  # fmt: skip
URBAN_SUFFIXES: list[tuple[str, str]] = [
    ("", ""), ("东", " East"), ("西", " West"), ("南", " South"), ("北", " North"),
    ("路", " Road"), ("新村", " New Village"), ("花园", " Garden"), ("里", " Lane"),
]  # fmt: skip
RURAL_SUFFIXES: list[tuple[str, str]] = [
    ("", ""), ("上", " Upper"), ("下", " Lower"), ("沟", " Gully"), ("坪", " Flat"),
    ("湾", " Bend"), ("堡", " Fort"), ("庄", " Hamlet"), ("岔", " Fork"),
]  # fmt: skip


def place_names(rng: random.Random, count: int, *, urban: bool) -> list[tuple[str, str]]:
    """``count`` distinct (zh, en) community or village names."""
    suffixes = URBAN_SUFFIXES if urban else RURAL_SUFFIXES
    combos = [(w, s) for w in PLACE_WORDS for s in suffixes]
    if count > len(combos):
        raise ValueError(f"at most {len(combos)} distinct names per street")
    picked = rng.sample(combos, count)
    kind_zh, kind_en = ("社区", " Community") if urban else ("村", " Village")
    return [(w[0] + s[0] + kind_zh, w[1] + s[1] + kind_en) for w, s in picked]


# Birthplace area codes for resident ID numbers (mostly local, some from elsewhere).
BIRTH_AREAS: list[tuple[str, int]] = [
    ("620102", 40), ("620103", 10), ("620104", 8), ("620111", 10), ("620121", 6),
    ("620122", 5), ("620123", 6), ("622921", 4), ("620502", 4), ("620421", 3),
    ("610102", 2), ("410102", 2),
]  # fmt: skip
_AREA_CODES = [a for a, _ in BIRTH_AREAS]
_AREA_CUM = list(itertools.accumulate(w for _, w in BIRTH_AREAS))
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """GB 11643-1999 check character of the first 17 digits."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def id_number(rng: random.Random, *, birth: dt.date, male: bool) -> str:
    """A well-formed 18-character resident ID number (the sequence's parity gives the sex)."""
    area = rng.choices(_AREA_CODES, cum_weights=_AREA_CUM)[0]
    seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)


_MOBILE_PREFIXES = [
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "166", "176", "177", "180", "181", "185",
    "186", "187", "188", "189", "199",
]  # fmt: skip


def mobile(rng: random.Random) -> str:
    """An 11-digit mainland mobile number."""
    return rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def birth_date(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randrange((last - first).days + 1))

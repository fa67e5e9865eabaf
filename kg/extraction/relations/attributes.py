"""What the text says about a relation: amounts, dates, titles.

    11亿元人民币      -> amount 1.1e9, currency CNY, amount_text 11亿元人民币
    10 million USD   -> not Chinese; 1000万美元 -> 1e7 USD
    去年7月16日       -> 2024-07-16 for an article dated 2025-10-18
    上月8日 / 今年     -> resolved against the article date
"""
from __future__ import annotations

import math
import re
from datetime import date

MAX_AMOUNT = 1e16                        # ten thousand trillion: above any deal, below float trouble
_UNITS = {"万亿": 1e12, "亿": 1e8, "千万": 1e7, "百万": 1e6, "万": 1e4, "千": 1e3}
_CURRENCY = [("美元", "USD"), ("欧元", "EUR"), ("英镑", "GBP"), ("日元", "JPY"), ("港元", "HKD"),
             ("港币", "HKD"), ("人民币", "CNY"), ("元", "CNY")]
AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(万亿|亿|千万|百万|万|千)?\s*(美元|欧元|英镑|日元|港元|港币|元人民币|元|人民币)")
_ABS_DATE = re.compile(r"(\d{4})年(?:(\d{1,2})月(?:(\d{1,2})日)?)?")
_REL_DATE = re.compile(r"(今年|去年|前年|明年|本月|上月|下月)(?:(\d{1,2})月)?(?:(\d{1,2})日)?")
_MONTH_DAY = re.compile(r"(?<![\d年])(\d{1,2})月(\d{1,2})日")


def find_amount(text: str) -> tuple[float, str, str] | None:
    """(value, currency, as written) of the first money amount in `text`."""
    m = AMOUNT.search(text)
    if not m:
        return None
    value = float(m.group(1)) * _UNITS.get(m.group(2) or "", 1)
    if not math.isfinite(value) or value > MAX_AMOUNT:
        return None                      # 320 nines 亿元 is not money any article states
    unit = m.group(3)
    currency = next(code for word, code in _CURRENCY if word in unit)
    return value, currency, m.group(0)


def find_date(text: str, article_date: str | None, near: int | None = None) -> str | None:
    """A date in `text`, absolute or relative to the article date: the one
    closest before `near` (a trigger's offset) when given, else the first."""
    ref = _parse(article_date)
    found = []
    for m in _ABS_DATE.finditer(text):
        y, mo, d = m.group(1), m.group(2), m.group(3)
        found.append((m.start(), "-".join(p.zfill(2) if i else p for i, p in enumerate(x for x in (y, mo, d) if x))))
    if ref:
        found += [(m.start(), _relative(m, ref)) for m in _REL_DATE.finditer(text)]
        found += [(m.start(), f"{ref.year:04d}-{int(m.group(1)):02d}-{int(m.group(2)):02d}")
                  for m in _MONTH_DAY.finditer(text)]
    if not found:
        return None
    if near is None:
        return min(found)[1]
    before = [f for f in found if f[0] <= near]
    return max(before)[1] if before else min(found)[1]


def _parse(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _relative(m: re.Match, ref: date) -> str:
    word, month, day = m.group(1), m.group(2), m.group(3)
    year = ref.year + {"今年": 0, "去年": -1, "前年": -2, "明年": 1}.get(word, 0)
    if word in ("本月", "上月", "下月"):
        shift = {"本月": 0, "上月": -1, "下月": 1}[word]
        total = ref.year * 12 + ref.month - 1 + shift
        year, mon = divmod(total, 12)
        mon += 1
        return f"{year:04d}-{mon:02d}" + (f"-{int(day):02d}" if day else "")
    if month:
        return f"{year:04d}-{int(month):02d}" + (f"-{int(day):02d}" if day else "")
    return f"{year:04d}"

"""Agency names as officials write them: one key for every spelling of one agency (plain Python).

"UBND tỉnh", "Ủy ban nhân dân tỉnh" and "Uỷ ban nhân dân tỉnh" are one agency;
so are "Sở KH&ĐT", "Sở KHĐT" and "Sở Kế hoạch và Đầu tư". `match_key` folds case,
Unicode form, diacritics (đ → d), punctuation, "&"/"và", and expands the usual
abbreviations (whole words only, any case), so equal keys mean the same agency.
"""
from __future__ import annotations

import re

from tracker.text import clean, without_diacritics

# Abbreviations of departments, expanded only right after "Sở" ("Sở TP" is Tư pháp, while
# "TP" alone is "thành phố"). Keys are written without "&", "-" and "." and without diacritics.
DEPARTMENTS = {
    "ct": "Công Thương",
    "tc": "Tài chính",
    "khdt": "Kế hoạch và Đầu tư",
    "tnmt": "Tài nguyên và Môi trường",
    "nnptnt": "Nông nghiệp và Phát triển nông thôn",
    "nnmt": "Nông nghiệp và Môi trường",
    "gddt": "Giáo dục và Đào tạo",
    "gtvt": "Giao thông vận tải",
    "xd": "Xây dựng",
    "tp": "Tư pháp",
    "nv": "Nội vụ",
    "tttt": "Thông tin và Truyền thông",
    "vhttdl": "Văn hóa, Thể thao và Du lịch",
    "vhtt": "Văn hóa và Thông tin",
    "ldtbxh": "Lao động - Thương binh và Xã hội",
    "khcn": "Khoa học và Công nghệ",
    "yt": "Y tế",
    "ng": "Ngoại vụ",
    "dttg": "Dân tộc và Tôn giáo",
    "gtxd": "Giao thông vận tải và Xây dựng",
}
# Abbreviations expanded anywhere they stand as a word. Never a key that is also a Vietnamese
# word once diacritics are gone ("TU" for Tỉnh ủy would turn "Sở Tư pháp" into nonsense).
GENERAL = {
    "ubnd": "Ủy ban nhân dân",
    "hdnd": "Hội đồng nhân dân",
    "ubmttq": "Ủy ban Mặt trận Tổ quốc",
    "mttq": "Mặt trận Tổ quốc",
    "vp": "Văn phòng",
    "tp": "thành phố",
    "tx": "thị xã",
    "btv": "Ban Thường vụ",
    "bch": "Ban Chấp hành",
    "bchqs": "Bộ Chỉ huy Quân sự",
    "bdbp": "Bộ đội Biên phòng",
    "bql": "Ban Quản lý",
    "bqlda": "Ban Quản lý dự án",
    "kcn": "khu công nghiệp",
    "kkt": "khu kinh tế",
    "ldld": "Liên đoàn Lao động",
    "ct": "Chủ tịch",
    "pct": "Phó Chủ tịch",
    "ttxvn": "Thông tấn xã Việt Nam",
}
_GLUED_AMPERSAND = re.compile(r"(\w)\s*&\s*(\w)")
_TOKEN = re.compile(r"[\w&.\-]+")
_ABBREVIATION_MARKS = re.compile(r"[&.\-]")
_SPLIT_MARKS = re.compile(r"[&.\-]+")


def fold(text: str) -> str:
    """Casefolded NFC text without diacritics (đ → d)."""
    return without_diacritics(clean(text).casefold())


def _expansions(table: dict[str, str]) -> dict[str, list[str]]:
    return {key: fold(value).replace(",", " ").replace("-", " ").split()
            for key, value in table.items()}


_DEPARTMENT_WORDS = _expansions(DEPARTMENTS)
_GENERAL_WORDS = _expansions(GENERAL)
_DROPPED = frozenset({"va"})   # "và" and "&" are spelled either way


def match_key(name: str) -> str:
    """One key for every spelling of an agency's name; "" for an empty name."""
    text = _GLUED_AMPERSAND.sub(r"\1&\2", fold(name))
    words: list[str] = []
    for token in _TOKEN.findall(text):
        bare = _ABBREVIATION_MARKS.sub("", token)
        if not bare:
            continue
        if words and words[-1] == "so" and bare in _DEPARTMENT_WORDS:
            words.extend(_DEPARTMENT_WORDS[bare])
        elif bare in _GENERAL_WORDS:
            words.extend(_GENERAL_WORDS[bare])
        else:
            words.extend(part for part in _SPLIT_MARKS.split(token) if part)
    return " ".join(word for word in words if word not in _DROPPED and word != "_")


# --- the agencies a lead cell names ---------------------------------------------------------

MAX_NAME_LENGTH = 255
# Lead cells of real lists: "Bộ CHQS tỉnh; UBND cấp xã", "Sở KH&CN chủ trì hướng dẫn, tổng
# hợp; Các sở, ngành …", "Bộ Công an, Bộ Khoa học và Công nghệ với các tiêu chuẩn …".
_LEAD_PARTS = re.compile(r"\s*(?:;|\n)\s*")
# A role written after the agency ("… thúc đẩy, theo dõi, báo cáo chỉ tiêu"): lower-case words,
# while agency names are capitalised.
_ROLE_TAIL = re.compile(r"\s+(?:chủ trì|thúc đẩy|theo dõi|thực hiện|phối hợp|với|chịu trách "
                        r"nhiệm|hướng dẫn|tổng hợp|đối với|về)\b.*$", re.DOTALL)
_AGENCY_START = re.compile(
    r"(?:Bộ|Sở|Ủy ban|Uỷ ban|UBND|Ban|Cục|Văn phòng|Trung tâm|Viện|Đài|Công an|Tòa án|Toà án|"
    r"Thanh tra|Ngân hàng|Kho bạc|Chi cục|Liên đoàn|Hội|Học viện|Trường|Bảo hiểm|Cơ quan|"
    r"Tổng cục|Tỉnh|Thành|Huyện|Quận|Xã|Phường|Đoàn|Mặt trận|Hội đồng|Tập đoàn|Tổng công ty)"
    r"(?![^\W\d_])")


def lead_names(text: str) -> list[str]:
    """The agencies a published lead cell names, each once, in order (plain Python).

    Parts are separated by ";" or line breaks; a role written after a name is cut off;
    commas separate names only when every piece starts like an agency ("Bộ Công an, Bộ
    Tài chính"), since "Các sở, ngành, UBND cấp xã" is one collective name. A cell naming
    nothing recognisable is one name, as written.
    """
    names: list[str] = []
    seen: set[str] = set()
    for part in _LEAD_PARTS.split(clean(text)):
        part = _ROLE_TAIL.sub("", part).strip(" .,:;-–")
        pieces = [piece.strip(" .") for piece in part.split(",")]
        if len(pieces) > 1 and all(_AGENCY_START.match(piece) for piece in pieces):
            candidates = pieces
        else:
            candidates = [part]
        for name in candidates:
            name = " ".join(name.split())[:MAX_NAME_LENGTH]
            key = match_key(name)
            if name and key not in seen:
                seen.add(key)
                names.append(name)
    return names or ([" ".join(clean(text).split())[:MAX_NAME_LENGTH]] if clean(text) else [])

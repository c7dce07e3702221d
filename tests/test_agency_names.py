"""Agency names: one key for every spelling, no key shared by two agencies (pure, no database)."""
from __future__ import annotations

import unicodedata

import pytest

from tracker.agencies import AgencyDirectory
from tracker.agency_names import match_key
from tracker.models import Agency

SAME = [
    ("UBND tỉnh", "Ủy ban nhân dân tỉnh", "Uỷ ban nhân dân tỉnh", "ubnd TỈNH", "U.B.N.D tỉnh"),
    ("HĐND tỉnh", "Hội đồng nhân dân tỉnh", "HDND tỉnh"),
    ("Sở CT", "Sở Công Thương", "Sở Công thương", "sở  công   thương"),
    ("Sở TC", "Sở Tài chính", "SỞ TÀI CHÍNH"),
    ("Sở KH&ĐT", "Sở KHĐT", "Sở KH & ĐT", "Sở Kế hoạch và Đầu tư", "Sở Kế hoạch & Đầu tư",
     "Sở Kế hoạch - Đầu tư"),
    ("Sở TN&MT", "Sở TNMT", "Sở Tài nguyên và Môi trường"),
    ("Sở NN&PTNT", "Sở NNPTNT", "Sở Nông nghiệp và Phát triển nông thôn"),
    ("Sở GD&ĐT", "Sở Giáo dục và Đào tạo", "Sở Giáo dục & Đào tạo"),
    ("Sở GTVT", "Sở Giao thông vận tải", "Sở Giao thông - Vận tải"),
    ("Sở XD", "Sở Xây dựng"),
    ("Sở TP", "Sở Tư pháp"),
    ("Sở NV", "Sở Nội vụ"),
    ("Sở TT&TT", "Sở TTTT", "Sở Thông tin và Truyền thông"),
    ("Sở VHTT&DL", "Sở VHTTDL", "Sở Văn hóa, Thể thao và Du lịch", "Sở Văn hoá, Thể thao và Du lịch"),
    ("Sở LĐTB&XH", "Sở LĐ-TB&XH", "Sở Lao động - Thương binh và Xã hội",
     "Sở Lao động, Thương binh và Xã hội"),
    ("Sở KH&CN", "Sở KHCN", "Sở Khoa học và Công nghệ"),
    ("Sở YT", "Sở Y tế"),
    ("VP UBND tỉnh", "Văn phòng UBND tỉnh", "Văn phòng Ủy ban nhân dân tỉnh"),
    ("UBND TP. Trà Vinh", "UBND thành phố Trà Vinh", "Ủy ban nhân dân TP Trà Vinh"),
    ("Chủ tịch UBND tỉnh", "CT UBND tỉnh"),
    ("Ủy ban MTTQ Việt Nam tỉnh", "UBMTTQ Việt Nam tỉnh", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh"),
]
DIFFERENT = [
    "Sở Tài chính", "Sở Tư pháp", "UBND tỉnh", "UBND huyện A", "UBND huyện Càng Long",
    "Văn phòng UBND tỉnh", "Chủ tịch UBND tỉnh", "HĐND tỉnh", "Sở Công Thương",
    "Sở Nông nghiệp và Môi trường", "Sở Nông nghiệp và Phát triển nông thôn",
    "Sở Tài nguyên và Môi trường", "Sở Thông tin và Truyền thông", "Sở Khoa học và Công nghệ",
    "Sở Y tế", "Sở Xây dựng", "Sở Nội vụ", "Tỉnh ủy", "Ban Thường vụ Tỉnh ủy", "Công an tỉnh",
    "Cục Thuế tỉnh", "UBND thành phố Trà Vinh", "UBND thị xã Duyên Hải",
]


@pytest.mark.parametrize("names", SAME, ids=lambda names: names[0])
def test_spellings_of_one_agency_share_a_key(names):
    """Every spelling of one agency (abbreviated, cased, spaced, NFC or NFD) gives the same match key."""
    keys = {match_key(name) for name in names}
    keys |= {match_key(unicodedata.normalize("NFD", name)) for name in names}
    assert len(keys) == 1, keys


def test_different_agencies_do_not_collide():
    """Different agencies get different match keys."""
    keys = [match_key(name) for name in DIFFERENT]
    assert len(set(keys)) == len(keys)
    assert match_key("Sở Tài chính") != match_key("Sở Tư pháp")
    assert match_key("UBND huyện A") != match_key("UBND tỉnh")
    assert match_key("UBND huyện A") != match_key("UBND huyện B")


def test_abbreviations_are_whole_words_only():
    """Abbreviations expand only as whole words, and department ones only after "Sở"."""
    # "ct" inside a word, or a department abbreviation not after "Sở", stays as written.
    assert match_key("Công ty CTCP") == "cong ty ctcp"
    assert match_key("Phòng TC") == "phong tc"
    assert match_key("Sở TC") == "so tai chinh"
    assert match_key("TP Trà Vinh") == "thanh pho tra vinh"
    assert match_key("") == "" and match_key("  ") == ""


def directory(*names: str) -> AgencyDirectory:
    return AgencyDirectory(Agency(name, active=True) for name in names)


def test_directory_finds_by_exact_name_first_then_by_meaning():
    """The directory finds an agency by its exact name (case and spaces aside), then by its match key."""
    agencies = directory("Sở Kế hoạch và Đầu tư", "Sở Tài chính", "UBND tỉnh", "Sở TC cũ")
    assert agencies.find("  sở kế hoạch  và đầu tư ").name == "Sở Kế hoạch và Đầu tư"
    assert agencies.find("Sở KH&ĐT").name == "Sở Kế hoạch và Đầu tư"
    assert agencies.find("Ủy ban nhân dân tỉnh").name == "UBND tỉnh"
    assert agencies.find("Sở TC").name == "Sở Tài chính"
    assert agencies.find("Sở Tư pháp") is None and agencies.find("") is None


def test_directory_names_unknown_ones_once_in_order():
    """The directory lists the unknown agency names once each, in the order first met, skipping blanks."""
    agencies = directory("Sở Công Thương", "Sở Tài chính")
    names = ["Sở CT", "Sở Nội vụ", "", "Sở Tài chính", "sở nội vụ", "Sở NV", "UBND huyện A"]
    assert agencies.unknown_names(names) == ["Sở Nội vụ", "UBND huyện A"]


def test_directory_suggests_the_closest_agencies():
    """The directory suggests the closest agencies first, none for an unrelated name, and at
    most the limit."""
    agencies = directory("Sở Công Thương", "Sở Tài chính", "Sở Tư pháp", "Sở Y tế",
                         "Văn phòng UBND tỉnh")
    assert [a.name for a in agencies.suggestions("Sở Công Thương tỉnh Trà Vinh")][0] == \
        "Sở Công Thương"
    assert [a.name for a in agencies.suggestions("Sở Tài chánh")][0] == "Sở Tài chính"
    assert [a.name for a in agencies.suggestions("Văn phòng UBND")] == ["Văn phòng UBND tỉnh"]
    assert agencies.suggestions("Công an tỉnh") == []
    assert len(agencies.suggestions("Sở", limit=2)) <= 2


def test_mentioned_in_matches_full_names_and_abbreviations():
    """Agencies named in a text, in full or abbreviated, are found in order; generic plurals name none."""
    agencies = directory("Sở Tài chính", "Sở Tư pháp", "Sở Nội vụ", "UBND tỉnh", "Sở Y tế")
    names = [a.name for a in agencies.mentioned_in("Sở TC, Sở Tư pháp và các đơn vị liên quan")]
    assert names == ["Sở Tài chính", "Sở Tư pháp"]
    assert [a.name for a in agencies.mentioned_in("Các Sở, ban ngành, địa phương")] == []
    assert [a.name for a in agencies.mentioned_in("UBND các huyện, thị xã, thành phố")] == []
    assert [a.name for a in agencies.mentioned_in("Sở Nội vụ; Ủy ban nhân dân tỉnh")] == [
        "Sở Nội vụ", "UBND tỉnh"]

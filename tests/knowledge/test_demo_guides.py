"""The bundled demo guides parse cleanly, and natural unaccented questions find the right section."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import pytest

from knowledge.demo import DemoGuide, demo_guides
from knowledge.index import KnowledgeIndex
from knowledge.ingest import parse_file, passages_from_guide
from knowledge.types import ParsedGuide

# (question typed on a phone without diacritics, guide slug, number of the expected section)
QUESTIONS: list[tuple[str, str, str]] = [
    # Hướng dẫn báo cáo tiến độ nhiệm vụ hằng tuần
    ("nguoi phoi hop co phai gui bao cao rieng khong", "bao-cao-tien-do-hang-tuan", "1"),
    ("han nop bao cao tuan la may gio thu sau", "bao-cao-tien-do-hang-tuan", "2"),
    ("thu sau trung ngay nghi le thi han bao cao la ngay nao", "bao-cao-tien-do-hang-tuan", "2"),
    ("khi nao phai bao cao dot xuat", "bao-cao-tien-do-hang-tuan", "3"),
    ("bon nhom tinh trang nhiem vu gom nhung gi", "bao-cao-tien-do-hang-tuan", "4"),
    (
        "du thao da trinh nhung chua ky co tinh la hoan thanh khong",
        "bao-cao-tien-do-hang-tuan",
        "4",
    ),
    ("ghi ty le phan tram hoan thanh nhu the nao", "bao-cao-tien-do-hang-tuan", "5"),
    ("viet phan kho khan vuong mac va de xuat the nao", "bao-cao-tien-do-hang-tuan", "6"),
    ("lam sao de bao cao tien do tuan", "bao-cao-tien-do-hang-tuan", "7"),
    ("sau han 16 gio thu sau co sua duoc bao cao khong", "bao-cao-tien-do-hang-tuan", "8"),
    ("van phong goi dien nhac nguoi chua bao cao", "bao-cao-tien-do-hang-tuan", "9"),
    ("trach nhiem tong hop cua don vi dau moi", "bao-cao-tien-do-hang-tuan", "9"),
    ("nhung loi thuong gap khi bao cao tien do", "bao-cao-tien-do-hang-tuan", "10"),
    # Hướng dẫn triển khai chuyển đổi số cấp xã
    ("chi tieu chuyen doi so cua xa can dat trong nam", "chuyen-doi-so-cap-xa", "1"),
    ("thanh phan ban chi dao chuyen doi so cap xa", "chuyen-doi-so-cap-xa", "2"),
    ("to cong nghe so cong dong gom nhung ai", "chuyen-doi-so-cap-xa", "3.1"),
    ("to cong nghe so cong dong co nhiem vu gi", "chuyen-doi-so-cap-xa", "3.2"),
    ("ra soat vung lom song 4g", "chuyen-doi-so-cap-xa", "4"),
    ("so hoa so ho tich phai xong truoc ngay nao", "chuyen-doi-so-cap-xa", "5"),
    ("to chuc ngay chu nhat chuyen doi so cho nguoi dan", "chuyen-doi-so-cap-xa", "6"),
    ("dua san pham ocop len san thuong mai dien tu", "chuyen-doi-so-cap-xa", "7"),
    ("bao nhieu diem thi xep loai chuyen doi so muc tot", "chuyen-doi-so-cap-xa", "8"),
    ("kinh phi chuyen doi so cua xa lay tu dau", "chuyen-doi-so-cap-xa", "9"),
    ("bao cao thang chuyen doi so gui huyen truoc ngay nao", "chuyen-doi-so-cap-xa", "10"),
    # Hướng dẫn cung cấp dịch vụ công trực tuyến toàn trình
    ("dich vu cong truc tuyen toan trinh la gi", "dich-vu-cong-truc-tuyen", "1"),
    ("huong dan nguoi dan kich hoat tai khoan vneid muc 2", "dich-vu-cong-truc-tuyen", "2"),
    ("ho so nop ngoai gio hanh chinh tiep nhan the nao", "dich-vu-cong-truc-tuyen", "3"),
    ("ho so nop truc tiep co phai quet va ky so khong", "dich-vu-cong-truc-tuyen", "4"),
    ("nguoi dan bi tru tien nhung he thong bao chua thanh toan", "dich-vu-cong-truc-tuyen", "5"),
    ("nhan ket qua qua dich vu buu chinh", "dich-vu-cong-truc-tuyen", "6"),
    ("ho tro nguoi cao tuoi tu nop ho so truc tuyen", "dich-vu-cong-truc-tuyen", "7"),
    ("ho so sap qua han phai lam phieu xin loi", "dich-vu-cong-truc-tuyen", "8"),
    ("ty le ho so truc tuyen muc tieu bao nhieu phan tram", "dich-vu-cong-truc-tuyen", "9"),
    (
        "nhac nguoi dan canh giac lua dao qua dien thoai",
        "dich-vu-cong-truc-tuyen",
        "10",
    ),
    # Hướng dẫn gửi, nhận văn bản điện tử và sử dụng chữ ký số
    ("van ban ky so co gia tri nhu ban giay khong", "van-ban-dien-tu-chu-ky-so", "1"),
    ("dang ky cap chung thu so cho nguoi moi bo nhiem", "van-ban-dien-tu-chu-ky-so", "2.1"),
    ("mat usb token phai lam gi", "van-ban-dien-tu-chu-ky-so", "2.2"),
    ("quy trinh ky so van ban di", "van-ban-dien-tu-chu-ky-so", "3"),
    ("gui van ban qua truc lien thong chua thay da nhan", "van-ban-dien-tu-chu-ky-so", "4"),
    ("van thu kiem tra van ban den may lan mot ngay", "van-ban-dien-tu-chu-ky-so", "5"),
    ("ky so tu xa tren dien thoai", "van-ban-dien-tu-chu-ky-so", "6"),
    ("lap ho so dien tu va nop luu tru", "van-ban-dien-tu-chu-ky-so", "7"),
    ("van ban mat co duoc gui qua zalo khong", "van-ban-dien-tu-chu-ky-so", "8"),
    ("may tinh khong nhan usb token", "van-ban-dien-tu-chu-ky-so", "9"),
    # Hướng dẫn bảo đảm an toàn thông tin cho cán bộ, công chức
    ("bao su co som co bi phat khong", "an-toan-thong-tin", "1"),
    ("mat khau phai dai bao nhieu ky tu", "an-toan-thong-tin", "2"),
    ("dau hieu thu dien tu lua dao", "an-toan-thong-tin", "3"),
    ("cam usb nguoi la vao may tinh co quan", "an-toan-thong-tin", "4"),
    ("co nen cai file apk gui qua tin nhan", "an-toan-thong-tin", "5"),
    ("dung wifi cong cong o quan ca phe", "an-toan-thong-tin", "6"),
    ("sao luu du lieu theo quy tac 3-2-1", "an-toan-thong-tin", "7"),
    ("may tinh bi ma doc tong tien phai lam gi", "an-toan-thong-tin", "8"),
    ("cong khai danh sach ho ngheo co ghi so can cuoc khong", "an-toan-thong-tin", "9"),
    ("so duong day nong de bao su co an toan thong tin", "an-toan-thong-tin", "10"),
    # Hướng dẫn sử dụng troly
    ("troly giup duoc nhung viec gi", "su-dung-troly", "1"),
    ("troly lam duoc nhung viec gi", "su-dung-troly", "1"),
    ("dang ky troly bang ma moi", "su-dung-troly", "2"),
    ("go khong dau troly co hieu khong", "su-dung-troly", "3"),
    ("xem danh sach huong dan dang co hieu luc", "su-dung-troly", "4"),
    ("troly hoi nhung gi khi bao cao tien do", "su-dung-troly", "5"),
    ("xem danh sach nhiem vu va han hoan thanh", "su-dung-troly", "6"),
    ("xem nhiem vu cua toi con bao nhieu ngay den han", "su-dung-troly", "6"),
    ("huy thao tac dang lam", "su-dung-troly", "7"),
    ("troly co nhan tin nhac vao ban dem khong", "su-dung-troly", "8"),
    ("quan tri vien tai huong dan moi len troly", "su-dung-troly", "9"),
    ("lanh dao nhan ban tong hop hang tuan luc may gio", "su-dung-troly", "10"),
    ("troly luu nhung du lieu gi cua toi", "su-dung-troly", "11"),
    ("doi tai khoan telegram thi sao", "su-dung-troly", "12"),
]


@cache
def parsed() -> dict[str, ParsedGuide]:
    return {guide.slug: parse_file(guide.file_name, guide.content) for guide in demo_guides()}


@cache
def index() -> KnowledgeIndex:
    return KnowledgeIndex.build(
        passage for slug, guide in parsed().items() for passage in passages_from_guide(slug, guide)
    )


def section_number(heading_path: tuple[str, ...]) -> str | None:
    found = re.match(r"(\d+(?:\.\d+)*)\.\s", heading_path[-1]) if heading_path else None
    return found.group(1) if found else None


def words(text: str) -> int:
    return sum(1 for word in text.split() if re.search(r"\w", word))


def test_there_are_five_to_seven_demo_guides() -> None:
    guides = demo_guides()
    assert 5 <= len(guides) <= 7
    assert len({g.slug for g in guides}) == len(guides)


@pytest.mark.parametrize("guide", demo_guides(), ids=lambda g: g.slug)
def test_demo_guide_parses_into_a_complete_guide(guide: DemoGuide) -> None:
    text = guide.content.decode("utf-8")
    assert unicodedata.is_normalized("NFC", text)
    assert 1500 <= words(text) <= 4000
    result = parse_file(guide.file_name, guide.content)
    assert result.title.startswith("Hướng dẫn ")
    assert result.source_ref is not None
    assert re.search(r"\d+/[\w/.-]+", result.source_ref), result.source_ref
    numbered = [s for s in result.sections if section_number(s.heading_path)]
    assert len(numbered) >= 8
    assert all(s.text.strip() for s in result.sections)
    assert all(len(s.text) <= 1200 for s in result.sections)


def test_every_section_of_every_guide_has_a_question() -> None:
    asked = {(slug, number) for _, slug, number in QUESTIONS}
    sections = {
        (slug, section_number(s.heading_path))
        for slug, guide in parsed().items()
        for s in guide.sections
        if s.heading_path
    }
    assert sections - asked == set()
    assert asked - sections == set()  # no question points at a section that does not exist


@pytest.mark.parametrize(
    ("question", "slug", "number"), QUESTIONS, ids=[q for q, _, _ in QUESTIONS]
)
def test_unaccented_question_finds_its_section(question: str, slug: str, number: str) -> None:
    result = index().search(question, limit=5)
    assert result.hits, "no hit at all"
    top = result.hits[0].passage
    ranked = [
        f"{h.passage.guide_id} {h.passage.heading_path[-1:]} {h.score:.2f}" for h in result.hits
    ]
    assert (top.guide_id, section_number(top.heading_path)) == (slug, number), ranked

"""Labelled questions on the demo guides, typed as officials do (no diacritics, abbreviations).

QUESTIONS: one question per numbered section of every demo guide (tests/knowledge/test_demo_guides.py
checks each finds its section; bench/kb_cv.py and bench/kb_search.py rank them).
The confidence set, training data of the shipped answer decision (bench/train_decision.py fits
knowledge/decision_weights.json on it; tests/knowledge/test_decision.py checks the weights on it):
ANSWERABLE is QUESTIONS plus EXTRA_ANSWERABLE, each with its guide slug and, when one section clearly
answers it, that section's number (None: any section of the guide is a right answer); UNANSWERABLE
is everyday questions the guides cannot answer (OFF_TOPIC) and official-sounding ones they do not
cover (NOT_COVERED). Written by hand for this purpose; kept apart from the shared evaluation data.
"""

from __future__ import annotations

# (question typed on a phone without diacritics, guide slug, number of the expected section)
QUESTIONS: tuple[tuple[str, str, str], ...] = (
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
)


# (question, guide slug, section number or None)
EXTRA_ANSWERABLE: tuple[tuple[str, str, str | None], ...] = (
    # Hướng dẫn báo cáo tiến độ nhiệm vụ hằng tuần
    ("han bao cao tuan la khi nao", "bao-cao-tien-do-hang-tuan", "2"),
    ("bao cao tuan nop truoc may gio", "bao-cao-tien-do-hang-tuan", "2"),
    ("di cong tac vao thu sau thi bao cao the nao", "bao-cao-tien-do-hang-tuan", "2"),
    ("bao cao thang co phai lam rieng khong", "bao-cao-tien-do-hang-tuan", "3"),
    ("bao cao dot xuat gui trong bao lau", "bao-cao-tien-do-hang-tuan", "3"),
    ("nhiem vu qua han chua xong thi xep nhom nao", "bao-cao-tien-do-hang-tuan", "4"),
    ("nhiem vu thuong xuyen khong co han thi bao cao nhom gi", "bao-cao-tien-do-hang-tuan", "4"),
    ("da co du thao lan 1 thi ghi bao nhieu phan tram", "bao-cao-tien-do-hang-tuan", "5"),
    ("minh chung bao cao gom nhung gi", "bao-cao-tien-do-hang-tuan", "5"),
    ("vuong mac ghi the nao cho dung", "bao-cao-tien-do-hang-tuan", "6"),
    ("bao nham nhiem vu cua nguoi khac thi sao", "bao-cao-tien-do-hang-tuan", "8"),
    ("qua 16h thu 6 muon sua so lieu bao cao", "bao-cao-tien-do-hang-tuan", "8"),
    ("van phong chot so lieu bao cao thang ngay nao", "bao-cao-tien-do-hang-tuan", None),
    ("loi hay gap khi bao cao tuan", "bao-cao-tien-do-hang-tuan", "10"),
    ("bao cao tien do hang tuan nop luc nao", "bao-cao-tien-do-hang-tuan", "2"),
    # Hướng dẫn triển khai chuyển đổi số cấp xã
    ("UBND xa can lam gi de trien khai CDS", "chuyen-doi-so-cap-xa", None),
    ("ban chi dao CDS xa gom nhung ai", "chuyen-doi-so-cap-xa", "2"),
    ("truong ban chi dao cds cap xa la ai", "chuyen-doi-so-cap-xa", "2"),
    ("to cong nghe so cong dong co bao nhieu nguoi", "chuyen-doi-so-cap-xa", "3.1"),
    ("xa can lam gi voi vung lom song", "chuyen-doi-so-cap-xa", "4"),
    ("internet tai tru so xa toc do bao nhieu", "chuyen-doi-so-cap-xa", "4"),
    ("so hoa so ho tich lam the nao", "chuyen-doi-so-cap-xa", "5"),
    ("ngay chu nhat chuyen doi so la gi", "chuyen-doi-so-cap-xa", "6"),
    ("dua san pham ocop len san tmdt the nao", "chuyen-doi-so-cap-xa", "7"),
    ("thanh toan khong dung tien mat o cho", "chuyen-doi-so-cap-xa", "7"),
    ("xep loai cds xa muc kha bao nhieu diem", "chuyen-doi-so-cap-xa", "8"),
    ("kinh phi cds lay o dau", "chuyen-doi-so-cap-xa", "9"),
    ("bao cao thang cds gui phong van hoa truoc ngay may", "chuyen-doi-so-cap-xa", "10"),
    # Hướng dẫn cung cấp dịch vụ công trực tuyến toàn trình
    ("lam the nao de nop ho so truc tuyen", "dich-vu-cong-truc-tuyen", None),
    ("DVC toan trinh khac gi mot phan", "dich-vu-cong-truc-tuyen", "1"),
    ("kich hoat vneid muc 2 o dau", "dich-vu-cong-truc-tuyen", "2"),
    ("huong dan kick hoat tai khoan vneid", "dich-vu-cong-truc-tuyen", "2"),
    ("cong chuc co duoc dang nhap ho tai khoan nguoi dan khong", "dich-vu-cong-truc-tuyen", None),
    ("ho so can bo sung thi ghi the nao", "dich-vu-cong-truc-tuyen", "3"),
    ("tiep nhan ho so truc tuyen trong bao lau", "dich-vu-cong-truc-tuyen", "3"),
    ("nguoi dan nop le phi online bang cach nao", "dich-vu-cong-truc-tuyen", "5"),
    ("muc phi hien sai tren cong dvc thi lam sao", "dich-vu-cong-truc-tuyen", "5"),
    ("tra ket qua qua buu dien the nao", "dich-vu-cong-truc-tuyen", "6"),
    ("ho so tre han thi lam gi", "dich-vu-cong-truc-tuyen", "8"),
    ("moi ho so duoc hen lai may lan", "dich-vu-cong-truc-tuyen", "8"),
    ("ty le ho so giai quyet dung han can dat bao nhieu", "dich-vu-cong-truc-tuyen", "9"),
    # Hướng dẫn gửi, nhận văn bản điện tử và sử dụng chữ ký số
    ("mat usb token thi lam sao", "van-ban-dien-tu-chu-ky-so", "2.2"),
    ("van ban dien tu co can gui kem ban giay khong", "van-ban-dien-tu-chu-ky-so", "1"),
    ("cap chung thu so mat bao lau", "van-ban-dien-tu-chu-ky-so", "2.1"),
    ("gia han chung thu so truoc bao nhieu ngay", "van-ban-dien-tu-chu-ky-so", "2.2"),
    ("nghi huu thi thu hoi chung thu so the nao", "van-ban-dien-tu-chu-ky-so", "2.2"),
    ("ky so van ban di gom may buoc", "van-ban-dien-tu-chu-ky-so", "3"),
    ("file pdf da ky so bi sai thi sua the nao", "van-ban-dien-tu-chu-ky-so", "3"),
    ("gui van ban 4 tieng chua thay da nhan", "van-ban-dien-tu-chu-ky-so", "4"),
    ("van thu kiem tra van ban den luc may gio", "van-ban-dien-tu-chu-ky-so", "5"),
    ("chu ki so khong hop le thi xu ly sao", "van-ban-dien-tu-chu-ky-so", None),
    ("lam sao de ky so tren dien thaoi", "van-ban-dien-tu-chu-ky-so", "6"),
    ("doi dien thoai thi ky so tu xa can lam gi", "van-ban-dien-tu-chu-ky-so", "6"),
    ("nhap sai ma pin may lan thi bi khoa token", "van-ban-dien-tu-chu-ky-so", "9"),
    ("chung thu so het han thi ai ky thay", "van-ban-dien-tu-chu-ky-so", "9"),
    ("van ban mat co gui qua truc lien thong duoc khong", "van-ban-dien-tu-chu-ky-so", "8"),
    # Hướng dẫn bảo đảm an toàn thông tin cho cán bộ, công chức
    ("dat mat khau the nao cho an toan", "an-toan-thong-tin", "2"),
    ("bao lau phai doi mat khau mot lan", "an-toan-thong-tin", "2"),
    ("xac thuc hai lop la gi", "an-toan-thong-tin", "2"),
    ("nhan email la bat nhap mat khau thi lam gi", "an-toan-thong-tin", "3"),
    ("co nguoi goi dien xin ma otp", "an-toan-thong-tin", "2"),
    ("nhat duoc usb co nen cam vao may khong", "an-toan-thong-tin", "4"),
    ("mat dien thoai cong vu thi lam sao", "an-toan-thong-tin", "5"),
    ("lam viec o nha co phai dung vpn khong", "an-toan-thong-tin", "6"),
    ("quy tac sao luu 3 2 1 la gi", "an-toan-thong-tin", "7"),
    ("may bi ma hoa file doi tien chuoc", "an-toan-thong-tin", "8"),
    ("bao cao su co attt cho so trong bao lau", "an-toan-thong-tin", "8"),
    ("gap su co attt thi bao ai", "an-toan-thong-tin", None),
    # Hướng dẫn sử dụng troly
    ("troly la gi", "su-dung-troly", None),
    ("ma moi het han thi lam sao", "su-dung-troly", "2"),
    ("dung ca zalo va telegram duoc khong", "su-dung-troly", "2"),
    ("lenh hoi dung the nao", "su-dung-troly", "3"),
    ("bao cao do dang thi troly co nho khong", "su-dung-troly", "5"),
    ("lenh nhiemvu xem duoc gi", "su-dung-troly", "6"),
    ("go sai ten lenh thi sao", "su-dung-troly", "7"),
    ("troly nhac han truoc may ngay", "su-dung-troly", "8"),
    ("tai huong dan len troly toi da bao nhieu mb", "su-dung-troly", "9"),
    ("thu hoi huong dan nhu the nao", "su-dung-troly", "9"),
    ("troly co doc tin nhan rieng cua toi khong", "su-dung-troly", "12"),
    ("doi so dien thoai thi lam the nao", "su-dung-troly", "12"),
)

ANSWERABLE: tuple[tuple[str, str, str | None], ...] = (
    tuple((q, slug, number) for q, slug, number in QUESTIONS) + EXTRA_ANSWERABLE
)

# Everyday questions: no guide, legal or not, answers them.
OFF_TOPIC: tuple[str, ...] = (
    # weather
    "thoi tiet ha noi mai the nao",
    "hom nay co mua khong",
    "du bao thoi tiet tuan toi",
    "nhiet do sai gon hom nay",
    "bao so 3 do bo vao dau",
    # football
    "bóng đá tối nay",
    "ket qua bong da dem qua",
    "viet nam da voi thai lan may gio",
    "ty so tran mu hom qua",
    "lich thi dau world cup 2026",
    "doi nao vo dich ngoai hang anh",
    # recipes
    "cach nau pho bo",
    "cong thuc lam banh flan",
    "nau canh chua ca loc the nao",
    "lam nem ran can nhung gi",
    "cach pha ca phe sua da",
    # celebrities, entertainment
    "son tung co nguoi yeu chua",
    "ca si nao dang hot nhat",
    "phim moi cua tran thanh chieu khi nao",
    "hoa hau viet nam nam nay la ai",
    # lottery
    "ket qua xo so mien bac hom nay",
    "xo so vietlott ky nay trung bao nhieu",
    "hom nay danh con gi",
    # travel
    "gia ve tau ha noi sai gon",
    "dat ve tau tet o dau",
    "lich tau thong nhat",
    "ve may bay di da nang bao nhieu tien",
    # shopping, prices
    "gia iphone 16 pro max",
    "dien thoai samsung nao re ma tot",
    "gia vang hom nay",
    "ty gia usd hom nay",
    "gia xang ngay mai tang hay giam",
    # everyday life
    "cach giam can nhanh",
    "cho meo an gi",
    "benh vien nao kham tim tot",
)

# Official-sounding questions that no demo guide covers (a legal corpus may well answer them).
NOT_COVERED: tuple[str, ...] = (
    "luong co ban cua cong chuc nam 2026 la bao nhieu",
    "thu tuc cap ho chieu",
    "che do nghi thai san cua cong chuc",
    "cach tinh luong huu",
    "thi nang ngach chuyen vien chinh",
    "dang ky xe may moi o dau",
    "cap doi giay phep lai xe",
    "xin giay phep xay dung nha o",
    "thu tuc tach thua dat",
    "cong chuc nghi phep nam duoc bao nhieu ngay",
    "phu cap cong vu bao nhieu phan tram",
    "thue thu nhap ca nhan tinh the nao",
    "bao hiem y te hoc sinh dong bao nhieu",
)

UNANSWERABLE: tuple[str, ...] = OFF_TOPIC + NOT_COVERED

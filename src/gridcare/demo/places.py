"""Fixed reference data of the demo company: Can Tho Power Company's teams, 110 kV substations, names.

The team areas follow the former districts of Can Tho, Hau Giang and Soc Trang (merged into the new Can
Tho city on 1 July 2025); where the old district had no commune left under its own name the split is an
approximation, good enough for a demo.
"""

import csv
from pathlib import Path

COMMUNES_CSV = Path(__file__).resolve().parent / "data" / "can-tho-communes-2025.csv"

PROVINCE_CODE = "92"
PROVINCE_NAME = "Cần Thơ"
CORPORATION_CODE = "EVNSPC"
CORPORATION_NAME = "Tổng công ty Điện lực miền Nam"
COMPANY_CODE = "PCCANTHO"
COMPANY_NAME = "Công ty Điện lực Cần Thơ"
CUSTOMER_CODE_PREFIX = "PB13"

# 110 kV substations: code, name.
SUBSTATIONS = [
    ("E13.1", "Trạm 110 kV Cần Thơ"),
    ("E13.2", "Trạm 110 kV Trà Nóc"),
    ("E13.3", "Trạm 110 kV Cái Răng"),
    ("E13.4", "Trạm 110 kV Ô Môn"),
    ("E13.5", "Trạm 110 kV Thốt Nốt"),
    ("E13.6", "Trạm 110 kV Vị Thanh"),
    ("E13.7", "Trạm 110 kV Ngã Bảy"),
    ("E13.8", "Trạm 110 kV Sóc Trăng"),
    ("E13.9", "Trạm 110 kV Vĩnh Châu"),
    ("E13.10", "Trạm 110 kV Kế Sách"),
    ("E13.11", "Trạm 110 kV Ngã Năm"),
]

# The 28 power management teams: name suffix, index of the feeding substation, communes served.
TEAMS = [
    ("Ninh Kiều", 0, ["Ninh Kiều", "Cái Khế"]),
    ("An Bình", 0, ["Tân An", "An Bình"]),
    ("Bình Thủy", 1, ["Bình Thủy", "Long Tuyền", "Thới An Đông"]),
    ("Cái Răng", 2, ["Cái Răng", "Hưng Phú"]),
    ("Ô Môn", 3, ["Ô Môn", "Phước Thới", "Thới Long"]),
    ("Thốt Nốt", 4, ["Thốt Nốt", "Thuận Hưng", "Trung Nhứt"]),
    ("Phong Điền", 2, ["Phong Điền", "Nhơn Ái"]),
    ("Cờ Đỏ", 3, ["Cờ Đỏ", "Đông Hiệp", "Trung Hưng"]),
    ("Vĩnh Thạnh", 4, ["Vĩnh Thạnh", "Vĩnh Trinh", "Thạnh An", "Thạnh Quới"]),
    ("Thới Lai", 3, ["Thới Lai", "Đông Thuận", "Trường Xuân", "Trường Thành"]),
    ("Vị Thanh", 5, ["Vị Thanh", "Vị Tân", "Vị Thanh 1", "Hỏa Lựu"]),
    ("Vị Thủy", 5, ["Vị Thủy", "Vĩnh Thuận Đông", "Vĩnh Tường"]),
    ("Long Mỹ", 5, ["Long Mỹ", "Long Bình", "Vĩnh Viễn", "Xà Phiên", "Lương Tâm"]),
    ("Ngã Bảy", 6, ["Ngã Bảy", "Đại Thành"]),
    ("Châu Thành A", 2, ["Thạnh Xuân", "Tân Hòa", "Trường Long Tây"]),
    ("Châu Thành", 2, ["Châu Thành", "Đông Phước", "Phú Hữu"]),
    (
        "Phụng Hiệp",
        6,
        ["Phụng Hiệp", "Tân Phước Hưng", "Hiệp Hưng", "Phương Bình", "Hòa An", "Tân Bình", "Thạnh Hòa"],
    ),
    ("Sóc Trăng", 7, ["Sóc Trăng", "Phú Lợi"]),
    ("Mỹ Xuyên", 7, ["Mỹ Xuyên", "Hòa Tú", "Gia Hòa", "Nhu Gia", "Ngọc Tố"]),
    ("Vĩnh Châu", 8, ["Vĩnh Châu", "Khánh Hòa", "Vĩnh Phước"]),
    ("Ngã Năm", 10, ["Ngã Năm", "Mỹ Quới", "Tân Long"]),
    ("Thạnh Trị", 10, ["Phú Lộc", "Vĩnh Lợi"]),
    ("Kế Sách", 9, ["Kế Sách", "Đại Hải", "Thới An Hội"]),
    ("Cù Lao Dung", 9, ["An Lạc Thôn", "Nhơn Mỹ"]),
    ("Hồ Đắc Kiện", 7, ["Hồ Đắc Kiện", "Thuận Hòa", "Phú Tâm", "An Ninh"]),
    ("Mỹ Tú", 7, ["Mỹ Tú", "Long Hưng", "Mỹ Hương"]),
    ("Long Phú", 9, ["Long Phú", "Long Phú 1", "Đại Ngãi"]),
    ("Trần Đề", 8, ["Tân Thạnh", "Trường Khánh"]),
]

FAMILY_NAMES = [
    ("Nguyễn", 31), ("Trần", 11), ("Lê", 9), ("Phạm", 6), ("Huỳnh", 5), ("Võ", 5), ("Phan", 4), ("Trương", 2),
    ("Bùi", 2), ("Đặng", 2), ("Đỗ", 1.5), ("Ngô", 1.3), ("Hồ", 1.3), ("Dương", 1), ("Lý", 1), ("Lâm", 1),
    ("Thạch", 1), ("Sơn", 0.6), ("Danh", 0.5), ("Đinh", 0.5), ("Châu", 0.5), ("Tô", 0.4), ("Mai", 0.4),
    ("Lưu", 0.4), ("Cao", 0.3), ("Quách", 0.3), ("Thái", 0.3), ("Kim", 0.3), ("Triệu", 0.2), ("La", 0.2),
]  # fmt: skip
MALE_MIDDLE = [
    ("Văn", 10),
    ("Hữu", 2),
    ("Minh", 2),
    ("Quốc", 1.5),
    ("Thanh", 1.5),
    ("Đức", 1),
    ("Hoàng", 1),
    ("Tấn", 1),
    ("Công", 0.8),
    ("Phước", 0.5),
]
FEMALE_MIDDLE = [
    ("Thị", 10),
    ("Ngọc", 2.5),
    ("Thanh", 1.5),
    ("Kim", 1.2),
    ("Mỹ", 1),
    ("Thu", 1),
    ("Bích", 0.6),
    ("Hồng", 0.6),
    ("Diễm", 0.4),
]
MALE_GIVEN = [
    "An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khang", "Lâm", "Long", "Minh", "Nam", "Nghĩa", "Phát", "Phúc",
    "Phong", "Quang", "Sang", "Tài", "Tâm", "Thành", "Thắng", "Thiện", "Toàn", "Trí", "Trung", "Tuấn", "Vinh",
    "Hiếu", "Hòa", "Lộc", "Lợi", "Tùng", "Khoa", "Đạt", "Hậu", "Nhân", "Tín", "Trọng", "Kiệt", "Duy",
]  # fmt: skip
FEMALE_GIVEN = [
    "Anh", "Chi", "Diễm", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hoa", "Hương", "Lan", "Linh", "Loan", "Mai",
    "My", "Nga", "Ngân", "Nhung", "Oanh", "Phượng", "Quyên", "Thảo", "Thu", "Thủy", "Trang", "Trinh", "Tuyết",
    "Uyên", "Vân", "Xuân", "Yến", "Hồng", "Nhi", "Kiều", "Ánh", "Hiền",
]  # fmt: skip

STREETS = [
    "30 Tháng 4", "3 Tháng 2", "Trần Hưng Đạo", "Nguyễn Văn Cừ", "Mậu Thân", "Hùng Vương", "Cách Mạng Tháng 8",
    "Nguyễn Trãi", "Lý Tự Trọng", "Trần Phú", "Phạm Ngũ Lão", "Võ Văn Kiệt", "Nguyễn Văn Linh", "Quang Trung",
    "Hòa Bình", "Lê Lợi", "Hai Bà Trưng", "Nguyễn Thái Học", "Trần Quang Diệu", "Lê Hồng Phong", "Tôn Đức Thắng",
    "Điện Biên Phủ", "Phan Đình Phùng", "Ngô Quyền", "Huỳnh Thúc Kháng", "Lê Duẩn", "Trần Văn Hoài", "Đồng Khởi",
]  # fmt: skip
HAMLETS = [
    "Thới Bình", "Thạnh Lợi", "Mỹ Phước", "Tân Phú", "Phú Thạnh", "Long Thạnh", "Nhơn Lộc", "Tân Lợi", "Hòa Long",
    "Xẻo Cạn", "Rạch Sung", "Kinh Xáng", "Bưng Sầm", "Cầu Đúc", "Vàm Xáng", "Mương Điều", "Trà Quýt", "Prey Chóp",
    "Sóc Mới", "Đầu Giồng", "Bờ Kè", "Thạnh Hưng", "Mỹ Lợi", "Phước Hòa", "Tân Hiệp", "Kinh Mới",
]  # fmt: skip
BRANDS = [
    "Tây Đô", "Mekong", "Phù Sa", "Sông Hậu", "Cửu Long", "Phương Nam", "Hoa Sen", "Bảo Châu", "Minh Phát",
    "Thành Đạt", "Phú Quý", "Hưng Thịnh", "Tân Tiến", "Đại Phát", "Kim Long", "An Phú", "Vạn Lợi", "Trường Thịnh",
]  # fmt: skip
BUSINESS_KINDS = [
    "Khách sạn", "Nhà hàng", "Siêu thị mini", "Cửa hàng điện máy", "Thương mại Dịch vụ", "Cà phê", "Nhà thuốc",
    "Vật liệu xây dựng", "Karaoke", "Bến xe", "Trạm xăng dầu",
]  # fmt: skip
PRODUCTION_KINDS = [
    "Thủy sản", "Xay xát lúa gạo", "Nước đá", "Chế biến thực phẩm", "Thức ăn chăn nuôi", "Cơ khí", "Bao bì",
    "May mặc", "Gạch ngói", "Đường mía", "Bánh pía", "Nước giải khát",
]  # fmt: skip
COMPANY_FORMS = ["Công ty TNHH", "Công ty Cổ phần", "Doanh nghiệp tư nhân", "Cơ sở"]
ADMINISTRATIVE_KINDS = ["UBND {kind} {name}", "Trường Tiểu học {name}", "Trường THCS {name}", "Trạm Y tế {kind} {name}",
                        "Công an {kind} {name}", "Trường Mầm non {name}", "Bưu điện {name}"]  # fmt: skip
LARGE_ADMINISTRATIVE_KINDS = ["Bệnh viện Đa khoa {name}", "Trung tâm Y tế {name}", "Trường THPT {name}",
                              "Trung tâm Hành chính công {name}"]  # fmt: skip
# The kinds above that the tariff prices as hospitals, nurseries, kindergartens and general schools
# (`public_service`); health stations and centres, offices, police and post offices stay administrative.
PUBLIC_SERVICE_KINDS = frozenset({"Trường Tiểu học {name}", "Trường THCS {name}", "Trường Mầm non {name}",
                                  "Bệnh viện Đa khoa {name}", "Trường THPT {name}"})  # fmt: skip
MANUFACTURERS = ["EMIC", "Gelex", "Vinasino", "Hữu Hồng", "Landis+Gyr", "Elster"]
PHONE_PREFIXES = ["32", "33", "34", "35", "36", "37", "38", "39", "70", "76", "77", "78", "79", "81", "82", "83",
                  "84", "85", "86", "88", "89", "90", "91", "93", "94", "96", "97", "98"]  # fmt: skip
EMAIL_DOMAINS = ["example.com", "example.net", "example.org"]

# Lunar New Year (Tết) days; a reading period containing one has the Tết dip.
TET_DAYS = [
    "2018-02-16", "2019-02-05", "2020-01-25", "2021-02-12", "2022-02-01", "2023-01-22", "2024-02-10",
    "2025-01-29", "2026-02-17", "2027-02-06", "2028-01-26", "2029-02-13", "2030-02-03", "2031-01-23",
    "2032-02-11", "2033-01-31", "2034-02-19", "2035-02-08",
]  # fmt: skip
# Monthly weather effect in the Mekong delta: the hot season (April–June) peaks air-conditioning.
SEASON_BY_MONTH = [0.94, 0.95, 1.05, 1.22, 1.28, 1.14, 1.02, 0.99, 0.96, 0.95, 0.94, 0.96]


def communes() -> list[tuple[str, str]]:
    """The (name, kind) of every commune, ward and special zone of Can Tho city, in file order."""
    with COMMUNES_CSV.open(encoding="utf-8") as handle:
        return [(row["name"], row["kind"]) for row in csv.DictReader(handle)]

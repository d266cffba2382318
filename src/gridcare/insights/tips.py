"""Savings tips chosen from a household's own pattern: the rules are data (a measure, a threshold), the texts gettext.

`selectors.household_comparison` computes the measures; a rule holds when its measure is known and above its
threshold. Staff tune the thresholds here, in one table, not in code paths.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class TipRule:
    code: str
    measure: str  # a key of the measures dict
    above: float  # the rule holds when the measure is greater than this

    def holds(self, measures: dict) -> bool:
        value = measures.get(self.measure)
        return value is not None and value > self.above


TIP_RULES = (
    # Last three billed months up more than 10 % on the same months last year.
    TipRule(code="rising", measure="change_vs_last_year_percent", above=10.0),
    # Last month above the 75th percentile of similar households.
    TipRule(code="above_group", measure="above_group_p75_percent", above=0.0),
    # Smart meters: more than 35 % of the energy used 17:00–22:00 (the evening peak).
    TipRule(code="evening", measure="evening_share_percent", above=35.0),
    # The hot months (April–July) 30 % above the year's monthly average: air conditioning.
    TipRule(code="summer_peak", measure="summer_peak_above_average_percent", above=30.0),
)

TIP_TEXTS = {
    "rising": _(
        "Điện năng ba tháng gần đây tăng so với cùng kỳ năm trước. Hãy kiểm tra các thiết bị mới mua, tủ lạnh đóng kín cửa, và tắt hẳn thiết bị thay vì để chế độ chờ."
    ),
    "above_group": _(
        "Tháng gần nhất nhà mình dùng nhiều hơn 3/4 số hộ tương tự. Bình nóng lạnh, điều hoà và máy bơm nước thường là nguyên nhân: hẹn giờ và bảo dưỡng định kỳ giúp tiết kiệm đáng kể."
    ),
    "evening": _(
        "Hơn một phần ba điện năng nhà mình dùng vào buổi tối 17–22 giờ, giờ cao điểm của lưới. Giặt, là, bơm nước vào ban ngày hoặc sau 22 giờ giúp giảm tải cho lưới điện."
    ),
    "summer_peak": _(
        "Mùa nóng nhà mình dùng điện cao hơn hẳn các tháng khác. Đặt điều hoà 26–28 °C, kết hợp quạt, vệ sinh lưới lọc mỗi tháng giúp giảm 10–20 % điện năng."
    ),
    "general": _(
        "Dùng bóng đèn LED, tắt thiết bị khi không dùng và kiểm tra định kỳ dây dẫn trong nhà để dùng điện an toàn, tiết kiệm."
    ),
}

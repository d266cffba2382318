"""Forms of the customer portal."""

from django import forms
from django.utils.translation import gettext_lazy as _


def customer_code_field() -> forms.CharField:
    """The customer code as printed on every bill (sign-in by password or by one-time code)."""
    return forms.CharField(
        label=_("Mã khách hàng"),
        max_length=32,
        help_text=_("13 ký tự, in trên hóa đơn tiền điện, ví dụ PB13000012345."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "username",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )


class SigninForm(forms.Form):
    """Customer code (printed on every bill) and password."""

    customer_code = customer_code_field()
    password = forms.CharField(
        label=_("Mật khẩu"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_customer_code(self) -> str:
        return self.cleaned_data["customer_code"].strip().upper()


class TextSizeForm(forms.Form):
    size = forms.ChoiceField(choices=[("normal", "normal"), ("large", "large")])


class OtpRequestForm(forms.Form):
    """Customer code and the channel the one-time code goes to (the contract's phone by SMS or Zalo)."""

    customer_code = customer_code_field()
    channel = forms.ChoiceField(
        label=_("Nhận mã qua"),
        choices=[
            ("sms", _("Tin nhắn SMS tới số điện thoại trong hợp đồng")),
            ("zalo", _("Zalo của số điện thoại trong hợp đồng")),
        ],
        initial="sms",
        widget=forms.RadioSelect,
    )

    def clean_customer_code(self) -> str:
        return self.cleaned_data["customer_code"].strip().upper()


class OtpVerifyForm(forms.Form):
    """The six-digit code received by SMS or Zalo."""

    code = forms.RegexField(
        label=_("Mã xác thực (6 chữ số)"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Mã xác thực gồm đúng 6 chữ số.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]*",
                "autofocus": True,
            }
        ),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()


class ConsumptionAlertForm(forms.Form):
    """A consumption alert: more than N kWh in a reading period, or N % above the previous period."""

    active = forms.BooleanField(label=_("Bật cảnh báo sản lượng"), required=False)
    kind = forms.ChoiceField(
        label=_("Cảnh báo khi"),
        choices=[
            ("kwh", _("điện năng trong kỳ vượt số kWh")),
            ("percent", _("điện năng tăng quá số phần trăm so với kỳ trước")),
        ],
        widget=forms.RadioSelect,
    )
    threshold = forms.IntegerField(
        label=_("Ngưỡng (kWh hoặc %)"),
        min_value=1,
        max_value=1_000_000,
        error_messages={
            "required": _("Hãy nhập ngưỡng cảnh báo."),
            "invalid": _("Ngưỡng là một số nguyên, ví dụ 300."),
            "min_value": _("Ngưỡng phải từ 1 trở lên."),
            "max_value": _("Ngưỡng quá lớn (tối đa 1.000.000)."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("kind") == "percent" and (data.get("threshold") or 0) > 1000:
            self.add_error("threshold", _("Ngưỡng phần trăm tối đa là 1000 %."))
        return data

"""Forms of the customer's own account pages: password, contact details, bill delivery, other contracts."""

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from gridcare.customers.models import BillDelivery
from gridcare.portal.forms import OtpRequestForm, OtpVerifyForm

# The site's password validators (settings.AUTH_PASSWORD_VALIDATORS) by error code, in words the customer can act on
# (Django's own Vietnamese catalogue lacks some of them).
VALIDATOR_MESSAGES = {
    "password_too_short": _("Mật khẩu quá ngắn: hãy dùng ít nhất 8 ký tự."),
    "password_too_common": _("Mật khẩu này quá phổ biến, dễ bị đoán. Hãy chọn mật khẩu khác."),
    "password_entirely_numeric": _("Mật khẩu không được chỉ gồm chữ số. Hãy thêm chữ cái."),
    "password_too_similar": _("Mật khẩu quá giống mã khách hàng. Hãy chọn mật khẩu khác."),
}


class NewPasswordForm(forms.Form):
    """A new password typed twice, checked by the site's password validators (their messages are translated)."""

    new_password1 = forms.CharField(
        label=_("Mật khẩu mới"), max_length=128, strip=False,
        help_text=_("Ít nhất 8 ký tự, không toàn chữ số, không quá dễ đoán."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )  # fmt: skip
    new_password2 = forms.CharField(
        label=_("Nhập lại mật khẩu mới"), max_length=128, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )  # fmt: skip

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        first, second = data.get("new_password1"), data.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("Hai lần nhập mật khẩu mới chưa giống nhau. Hãy nhập lại."))
        elif first:
            try:
                password_validation.validate_password(first, self.user)
            except forms.ValidationError as error:
                messages = {
                    VALIDATOR_MESSAGES[e.code] if e.code in VALIDATOR_MESSAGES else " ".join(e.messages)
                    for e in error.error_list
                }
                for message in sorted(messages, key=str):
                    self.add_error("new_password1", message)
        return data


class PasswordChangeForm(NewPasswordForm):
    current_password = forms.CharField(
        label=_("Mật khẩu hiện tại"), max_length=128, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )  # fmt: skip
    field_order = ["current_password", "new_password1", "new_password2"]


class ResetRequestForm(OtpRequestForm):
    """The customer code and the channel of the code (the contract's phone by SMS or Zalo)."""


class ResetVerifyForm(OtpVerifyForm, NewPasswordForm):
    field_order = ["code", "new_password1", "new_password2"]


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail mới"), max_length=254,
        error_messages={"invalid": _("E-mail chưa đúng dạng, ví dụ ten@example.com."),
                        "required": _("Hãy nhập e-mail.")},
        widget=forms.TextInput(attrs={"inputmode": "email", "autocomplete": "email", "spellcheck": "false", "autofocus": True}),
    )  # fmt: skip


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Số điện thoại mới"), max_length=20,
        help_text=_("Số di động, ví dụ 0912345678. Chúng tôi gửi mã xác thực tới số này."),
        error_messages={"required": _("Hãy nhập số điện thoại.")},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "autofocus": True}),
    )  # fmt: skip


class BillDeliveryForm(forms.Form):
    choice = forms.ChoiceField(
        label=_("Nhận hoá đơn"), choices=BillDelivery.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Hãy chọn một cách nhận hoá đơn."),
                        "invalid_choice": _("Hãy chọn một cách nhận hoá đơn.")},
    )  # fmt: skip


class AccountAddForm(OtpRequestForm):
    """The customer code of the contract to add and how its code goes to that contract's phone."""


class CodeForm(OtpVerifyForm):
    """The six-digit code received."""

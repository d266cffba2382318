"""Forms of the customer portal."""

from django import forms
from django.utils.translation import gettext_lazy as _


class SigninForm(forms.Form):
    """Customer code (printed on every bill) and password."""

    customer_code = forms.CharField(
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

"""Views of the customer portal: sign-in, my accounts, one account, and the installable-app plumbing.

Views translate a request into calls of selectors and services and render the result; a customer
only ever reaches their own accounts (any other code is a 404, so codes are not confirmed).
"""

import datetime as dt
import hashlib
import math

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gridcare.billing.selectors import account_readings_version, bills_visible_to_customer
from gridcare.core.charts import Series, bar_chart_svg
from gridcare.core.clientaddress import client_address
from gridcare.core.formatting import BUSINESS_TZ, format_day, format_kwh
from gridcare.customers import selectors as customer_selectors
from gridcare.customers import signin
from gridcare.flexibility import selectors as flexibility_selectors
from gridcare.metering import consumption
from gridcare.metering import selectors as metering_selectors
from gridcare.portal.forms import SigninForm, TextSizeForm

HOTLINE = "19001006"
TEXT_SIZE_COOKIE = "gc_text"
CHART_MONTHS = 24
LAST_READINGS = 6
BILLS_SHOWN = 12
SHELL_STATIC = ("portal/portal.css", "portal/app.js", "portal/icon.svg")


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _lock_message(*, until: dt.datetime, now: dt.datetime) -> str:
    local = until.astimezone(BUSINESS_TZ)
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return _(
        "Bạn đã nhập sai nhiều lần nên việc đăng nhập tạm dừng để bảo vệ tài khoản. "
        "Vui lòng thử lại sau %(time)s ngày %(date)s (khoảng %(minutes)s phút nữa). "
        "Cần giúp đỡ, xin gọi tổng đài %(hotline)s."
    ) % {
        "time": f"{local:%H:%M}",
        "date": format_day(local.date(), language=translation.get_language()),
        "minutes": minutes,
        "hotline": HOTLINE,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def signin_view(request: HttpRequest) -> HttpResponse:
    """Sign in with a customer code and a password, throttled per code and per address."""
    if customer_selectors.customer_for_user(user=request.user) is not None:
        return redirect(_safe_next(request, reverse("portal:home")))
    form = SigninForm(request.POST if request.method == "POST" else None)
    lock_message = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        now = timezone.now()
        address = client_address(request)
        identifier = signin.signin_identifier(customer_code=form.cleaned_data["customer_code"])
        locked_until = signin.signin_locked_until(identifier=identifier, address=address, now=now)
        if locked_until is None:
            user = authenticate(
                request,
                customer_code=form.cleaned_data["customer_code"],
                password=form.cleaned_data["password"],
            )
            if user is not None:
                signin.signin_success_record(identifier=identifier, address=address, now=now)
                login(request, user)  # rotates the session key
                return redirect(_safe_next(request, reverse("portal:home")))
            signin.signin_failure_record(identifier=identifier, address=address, now=now)
            locked_until = signin.signin_locked_until(identifier=identifier, address=address, now=now)
            if locked_until is None:
                form.add_error(
                    None,
                    _(
                        "Mã khách hàng hoặc mật khẩu chưa đúng. Hãy kiểm tra mã khách hàng trên hóa đơn "
                        "tiền điện và nhập lại."
                    ),
                )
        if locked_until is not None:
            lock_message = _lock_message(until=locked_until, now=now)
            status = 429
    return render(
        request,
        "portal/signin.html",
        {"form": form, "lock_message": lock_message, "next": _safe_next(request, ""), "hotline": HOTLINE},
        status=status,
    )


@require_POST
def signout_view(request: HttpRequest) -> HttpResponse:
    """Sign out (POST only) and ask the browser to drop this site's cached pages."""
    logout(request)
    response = redirect("portal:login")
    response["Clear-Site-Data"] = '"cache", "storage"'
    return response


def _customer_or_redirect(request: HttpRequest):
    """(customer, None) for a customer; (None, response) for anyone else."""
    if not request.user.is_authenticated:
        return None, redirect_to_login(request.get_full_path(), reverse("portal:login"))
    customer = customer_selectors.customer_for_user(user=request.user)
    if customer is None:
        return None, render(request, "portal/not_customer.html", {"hotline": HOTLINE})
    return customer, None


def own_account(request: HttpRequest, code: str):
    """(customer, account, None) for a contract the signed-in customer owns or has linked; else (…, None, a response).

    Anyone else's contract is the same 404 page as a code that belongs to nobody: codes are not confirmed.
    """
    customer, response = _customer_or_redirect(request)
    if response is not None:
        return None, None, response
    account = customer_selectors.account_for_user(user=request.user, code=code)
    if account is None:
        return customer, None, render(request, "portal/not_found.html", {"hotline": HOTLINE}, status=404)
    return customer, account, None


@never_cache
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """My accounts: every contract of the signed-in customer."""
    customer, response = _customer_or_redirect(request)
    if response is not None:
        return response
    accounts = list(customer_selectors.accounts_for_user(user=request.user))
    from gridcare.portal.payments import account_cards  # (portal.payments builds on this module)

    cards = account_cards(accounts=accounts, today=timezone.localdate())
    return render(request, "portal/accounts.html", {"customer": customer, "accounts": accounts, "cards": cards,
                                                    "hotline": HOTLINE})  # fmt: skip


def _consumption_chart(*, monthly: consumption.MonthlyConsumption, language: str) -> str:
    labels = [f"{m.month:02d}/{m.year % 100:02d}" for m in monthly.months]
    series = [Series(name=_("Điện năng tiêu thụ"), values=monthly.kwh)]
    if any(v is not None for v in monthly.kwh_year_before):
        series.append(Series(name=_("Cùng tháng năm trước"), values=monthly.kwh_year_before))
    return bar_chart_svg(
        labels=labels,
        series=series,
        title=_("Điện năng tiêu thụ %(count)s tháng gần nhất") % {"count": len(monthly.months)},
        description=_("Mỗi cột là số kWh của một tháng; cột thứ hai là cùng tháng năm trước, nếu có."),
        x_axis_label=_("Tháng"),
        y_axis_label="kWh",
        value_format=lambda v: format_kwh(v, language=language),
        tick_format=lambda v: format_kwh(v, language=language).removesuffix(" kWh"),
        bar_titles=[_("tháng %(month)s") % {"month": f"{m.month:02d}/{m.year}"} for m in monthly.months],
        label_every=3,
        element_id="consumption-chart",
    )


# The account page's part computed from the readings (the monthly chart, its table and the last readings, formatted)
# changes only when a reading is added or corrected: its HTML is cached per account, readings version and language.
# The version is the key (a new or corrected reading is a new key at once); the day only bounds the memory it takes.
READING_VIEW_CACHE_SECONDS = 24 * 3600


def _account_readings_html(*, account, language: str) -> str:
    key = f"portal:account-readings:{account.pk}:{account_readings_version(account=account)}:{language}"
    html = cache.get(key)
    if html is None:
        series, serials = metering_selectors.account_reading_series(account=account)
        history = consumption.readings_with_consumption(series=series, serials=serials)
        monthly = consumption.monthly_consumption(series=series, months=CHART_MONTHS)
        has_data = any(v is not None for v in monthly.kwh)
        rows = [
            {"month": month, "kwh": kwh, "kwh_year_before": before}
            for month, kwh, before in zip(monthly.months, monthly.kwh, monthly.kwh_year_before, strict=True)
        ]
        html = render_to_string("portal/_account_readings.html", {
            "last_readings": list(reversed(history[-LAST_READINGS:])),
            # Rendered by core.charts, which escapes every value itself.
            "chart": mark_safe(_consumption_chart(monthly=monthly, language=language)) if has_data else "",  # noqa: S308
            "chart_rows": list(reversed(rows)) if has_data else [],
        })  # fmt: skip
        cache.set(key, html, READING_VIEW_CACHE_SECONDS)
    return html


@never_cache
@require_GET
def account_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One account: address, meter, last readings and the monthly consumption chart."""
    customer, account, response = own_account(request, code)
    if response is not None:
        return response
    today = timezone.localdate()
    readings_html = _account_readings_html(account=account, language=translation.get_language())
    return render(
        request,
        "portal/account.html",
        {
            "customer": customer,
            "account": account,
            "meter": metering_selectors.current_meter(account=account, today=today),
            # Rendered from its own template, which escapes every value itself.
            "readings_html": mark_safe(readings_html),  # noqa: S308
            "bills": list(bills_visible_to_customer(account=account)[:BILLS_SHOWN]),
            "in_demand_response": flexibility_selectors.customer_events(account=account).exists(),
        },
    )


@require_POST
def text_size(request: HttpRequest) -> HttpResponse:
    """Remember the "larger text" choice in a cookie (a plain form POST: works without JavaScript)."""
    form = TextSizeForm(request.POST)
    response = redirect(_safe_next(request, reverse("portal:home")))
    if form.is_valid():
        response.set_cookie(
            TEXT_SIZE_COOKIE,
            form.cleaned_data["size"],
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
        )
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """The page the service worker shows when there is no connection and nothing cached for the address."""
    return render(request, "portal/offline.html", {"hotline": HOTLINE})


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest that makes the portal installable."""
    data = {
        "name": "gridcare — Điện lực CSKH",
        "short_name": "Điện lực CSKH",
        "description": _("Tra cứu chỉ số và điện năng tiêu thụ của bạn."),
        "lang": "vi",
        "dir": "ltr",
        "start_url": reverse("portal:home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b5cad",
        "icons": [
            {"src": static("portal/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
            {"src": static("portal/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {
                "src": static("portal/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "any maskable",
            },
        ],
    }
    return JsonResponse(
        data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served from the root so that its scope is the whole portal."""
    shell = [reverse("portal:offline"), *(static(path) for path in SHELL_STATIC)]
    version = hashlib.sha256("\n".join(shell).encode()).hexdigest()[:12]
    response = render(
        request,
        "portal/sw.js",
        {
            "version": version,
            "shell": shell,
            "offline_url": reverse("portal:offline"),
            "login_url": reverse("portal:login"),
            "account_prefix": reverse("portal:account", kwargs={"code": "X"}).removesuffix("X/"),
            "static_url": settings.STATIC_URL,
            "schedule_url": reverse("portal:schedule"),
        },
        content_type="application/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    return response

"""Sign-in to the portal with a customer code and a password."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from gridcare.customers.models import Account


class CustomerCodeBackend(ModelBackend):
    """Authenticates `customer_code` + `password` against the user of the account's customer."""

    def authenticate(self, request, customer_code=None, password=None, **kwargs):
        if not customer_code or password is None:
            return None
        account = (
            Account.objects.select_related("customer__user")
            .filter(code=customer_code.strip().upper())
            .first()
        )
        user = account.customer.user if account is not None else None
        if user is None:
            # Spend the same hashing time as a real check, so timing does not tell which codes have a login.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

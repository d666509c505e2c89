from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse

from portal import permissions


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Staff start in the admin, learners on their own page (unless ``next`` says otherwise)."""
        if permissions.is_staff_member(request.user):
            return reverse("wagtailadmin_home")
        return reverse("account_overview")

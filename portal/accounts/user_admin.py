"""Wagtail's user management with the role and municipality (Settings → Users, superusers).

The role decides the user's role group (``portal.accounts.roles``), also when the groups field of
the form is saved after the user row.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views.users import UserViewSet

from portal import permissions
from portal.accounts.roles import user_role_group_sync

ROLE_FIELDS = ("role", "municipality")


class _RoleFormMixin:
    def clean(self) -> dict:
        data = super().clean()
        if permissions.role_needs_municipality(data.get("role")) and not data.get("municipality"):
            self.add_error(
                "municipality", _("A klantmanager works for one municipality: choose it.")
            )
        return data

    def _save_m2m(self) -> None:
        super()._save_m2m()
        user_role_group_sync(user=self.instance)


class RoleUserCreationForm(_RoleFormMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = UserCreationForm.Meta.fields | set(ROLE_FIELDS)
        widgets = {"municipality": forms.Select}


class RoleUserEditForm(_RoleFormMixin, UserEditForm):
    class Meta(UserEditForm.Meta):
        fields = UserEditForm.Meta.fields | set(ROLE_FIELDS)
        widgets = {"municipality": forms.Select}


class RoleUserViewSet(UserViewSet):
    def get_form_class(self, for_update: bool = False):
        return RoleUserEditForm if for_update else RoleUserCreationForm

from wagtail.users.apps import WagtailUsersAppConfig


class UsersAppConfig(WagtailUsersAppConfig):
    """Wagtail's user management, with the role and municipality in its forms."""

    user_viewset = "portal.accounts.user_admin.RoleUserViewSet"

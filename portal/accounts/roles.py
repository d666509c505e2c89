"""Django groups derived from the roles table in ``portal.permissions``.

Wagtail reads groups for three things: who may enter the admin (``wagtailadmin.access_admin``),
page permissions (site editors) and who may approve a workflow task (contract managers). The
groups are rebuilt from ``portal.permissions.ROLE_PERMISSIONS`` after every ``migrate`` and a
user's role decides their role group, so the table stays the single source.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from portal import permissions
from portal.accounts.models import Role, User

ROLE_GROUPS: dict[str, str] = {
    Role.PROVIDER_STAFF: "Provider staff",
    Role.CASE_MANAGER: "Klantmanagers",
    Role.CONTRACT_MANAGER: "Contract managers",
    Role.SITE_EDITOR: "Site editors",
    Role.AUDITOR: "Auditors",
}
# Klantmanagers register learners and read their caseload in the admin; auditors read the
# audit log there.
ADMIN_ROLES = (
    Role.PROVIDER_STAFF,
    Role.CASE_MANAGER,
    Role.CONTRACT_MANAGER,
    Role.SITE_EDITOR,
    Role.AUDITOR,
)
# Wagtail's page permissions for site editors, on the whole page tree.
SITE_EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page")
# wagtail-localize's "Translate this page" (a new page's copy in another language starts as the
# Dutch text; translating it needs this).
SITE_EDITOR_TRANSLATION_PERMISSIONS = (("wagtail_localize", "submit_translation"),)
CONTRACT_DOCUMENTS_COLLECTION = "Contract documents"
SITE_EDITOR_COLLECTION_PERMISSIONS = (
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
)


def role_group(role: str) -> Group | None:
    name = ROLE_GROUPS.get(role)
    return Group.objects.get_or_create(name=name)[0] if name else None


def _model_permissions(role: str) -> list[Permission]:
    wanted: list[tuple[str, str]] = []
    for label, actions in permissions.ROLE_PERMISSIONS.get(role, {}).items():
        app_label, model_name = label.split(".")
        wanted += [(app_label, f"{action}_{model_name}") for action in actions]
    if role in ADMIN_ROLES:
        wanted.append(("wagtailadmin", "access_admin"))
    found = Permission.objects.filter(
        content_type__app_label__in={app for app, _ in wanted},
        codename__in={code for _, code in wanted},
    ).select_related("content_type")
    return [p for p in found if (p.content_type.app_label, p.codename) in wanted]


@transaction.atomic
def role_groups_sync() -> None:
    """Create the role groups and give each exactly the permissions the roles table grants."""
    from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

    for role in ROLE_GROUPS:
        group = role_group(role)
        group.permissions.set(_model_permissions(role))
    editors = role_group(Role.SITE_EDITOR)
    for app_label, codename in SITE_EDITOR_TRANSLATION_PERMISSIONS:
        editors.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        )
    root = Page.get_first_root_node()
    if root is not None:
        for codename in SITE_EDITOR_PAGE_PERMISSIONS:
            permission = Permission.objects.filter(
                content_type__app_label="wagtailcore", codename=codename
            ).first()
            if permission:
                GroupPagePermission.objects.get_or_create(
                    group=editors, page=root, permission=permission
                )
    collection = Collection.get_first_root_node()
    if collection is not None:
        _contract_documents_collection_sync(collection)
        for app_label, codename in SITE_EDITOR_COLLECTION_PERMISSIONS:
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission:
                GroupCollectionPermission.objects.get_or_create(
                    group=editors, collection=collection, permission=permission
                )


def _contract_documents_collection_sync(root) -> None:
    """A private collection for contract documents: only contract managers (and superusers) see,
    upload and choose documents in it, and its files are not public by URL."""
    from wagtail.models import CollectionViewRestriction, GroupCollectionPermission

    managers = role_group(Role.CONTRACT_MANAGER)
    collection = root.get_children().filter(name=CONTRACT_DOCUMENTS_COLLECTION).first()
    if collection is None:
        collection = root.add_child(name=CONTRACT_DOCUMENTS_COLLECTION)
    restriction, _created = CollectionViewRestriction.objects.get_or_create(
        collection=collection, defaults={"restriction_type": CollectionViewRestriction.GROUPS}
    )
    restriction.groups.add(managers)
    for codename in ("add_document", "change_document", "choose_document"):
        permission = Permission.objects.filter(
            content_type__app_label="wagtaildocs", codename=codename
        ).first()
        if permission:
            GroupCollectionPermission.objects.get_or_create(
                group=managers, collection=collection, permission=permission
            )


def user_role_group_sync(*, user: User) -> None:
    """Put the user in their role's group and in no other role group."""
    wanted = role_group(user.role)
    others = Group.objects.filter(name__in=ROLE_GROUPS.values())
    if wanted is not None:
        others = others.exclude(pk=wanted.pk)
        user.groups.add(wanted)
    user.groups.remove(*others)

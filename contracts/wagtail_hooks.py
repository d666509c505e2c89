"""The Wagtail admin of the municipal side, registered with Wagtail.

Wagtail imports this module of every app; importing the screens of ``contracts.admin`` registers
their hooks, snippets and permission policies. The order of the names is the registration order
(see ``contracts.admin``).
"""

from contracts.admin import (  # registered when imported
    advice,
    contracts,
    dashboard,
    exports,
    forecast,
    home,
    learners,
    progress_upload,
    referrals,
    transfers,
)

__all__ = [
    "advice",
    "contracts",
    "dashboard",
    "exports",
    "forecast",
    "home",
    "learners",
    "progress_upload",
    "referrals",
    "transfers",
]

"""The top layer: the pages people use outside the admin (the learner's courses, enrolling,
paying, receipts; their own account, its data and deletion; accepting a team invitation).

A plain package, not a Django app: the templates stay under ``portal/templates``. It imports the
domain packages and the CMS's links; nothing imports it but ``portal.urls``.
"""

"""The Wagtail admin screens of the municipal side, one module per area.

* ``advice``: advice to gezinsmigranten on courses (the form and the learner's page's part of
  it) and the klantmanager's start-page panel "Advice sent";
* ``contracts``: the snippets of regions, municipalities and intake volumes, of contracts and
  lots, and the contracts to watch on the admin's start page (forms in ``forms``);
* ``dashboard``: the contract dashboard and the DUO loans at risk;
* ``exports``: the dashboard's downloads, the large ones made in the background, and the page
  of one's own exports;
* ``forecast``: the forecast page of the dashboard and its downloads;
* ``home``: the start page's panels of provider staff (referrals, attendance), klantmanagers
  (deadlines, answers, hand-overs) and contract managers (late attendance);
* ``learners``: learners, the caseload and the audit log;
* ``referrals``: referrals and their placements (forms in ``referral_forms``);
* ``progress_upload``: monthly attendance by spreadsheet;
* ``transfers``: warm transfer of a case to another municipality.

Each module registers its own Wagtail hooks, snippets and permission policies when it is
imported. Wagtail imports only ``contracts.wagtail_hooks``, which imports every module here at
its top. Nothing here imports ``contracts.wagtail_hooks``, so there is no import cycle: the
snippets and the start page's panel that used to live in ``wagtail_hooks`` moved here
(``contracts``), and what the panel needs from the dashboard is an ordinary import.

The import order is the registration order, and Wagtail keeps it for menu items with the same
``order``: ``contracts`` (its "Contracts" group, 250) comes before ``referrals`` ("Referrals",
250), and ``dashboard`` ("Dashboard", 240) before ``learners`` ("Learners", 240). The names sort
in that order, so ``wagtail_hooks``'s sorted import keeps the menu as it was.

The rules live in the domain modules of ``contracts`` and the figures in ``contracts.reporting``;
these screens only ask them. This package imports both; neither imports it (import-linter's
``contracts-layers`` contract in ``pyproject.toml``).
"""

"""The contracts app's models, one module per area; import them from here.

- ``contracting``: contracts, their lots and documents, capacity periods, intake volumes;
- ``learners``: learners' cases, the audit log, hand-overs between municipalities;
- ``referrals``: referrals and each change of their state;
- ``progress``: what providers report (attendance per month, progress, exams);
- ``summaries``: monthly figures per lot for the dashboard;
- ``exports``: large downloads of the dashboard, made in the background.
- ``advice``: the municipality's advice to a gezinsmigrant on courses.

Region and Municipality live in the low layer ``portal.places`` (their tables kept); they are
re-exported here so ``from contracts.models import Municipality`` still works.
"""

from contracts.models.advice import Advice, AdviceOffering
from contracts.models.contracting import (
    CapacityPeriod,
    Contract,
    ContractDocument,
    ContractStatus,
    IntakeVolume,
    Lot,
    LotPeriodUse,
    LotStatus,
)
from contracts.models.exports import (
    ExportError,
    ExportFormat,
    ExportState,
    ReportExport,
)
from contracts.models.learners import (
    AuditEntry,
    CaseTransfer,
    Learner,
    LearnerRoute,
    Leerbaarheidstoets,
)
from contracts.models.progress import (
    ExamResult,
    MonthlyAttendance,
    ProgressReport,
)
from contracts.models.referrals import (
    Referral,
    ReferralState,
    ReferralTransition,
)
from contracts.models.summaries import (
    AttendanceMonth,
    LotMonthSummary,
    ReferralMonth,
)
from portal.places.models import Municipality, Region, cbs_code_validator

__all__ = [
    "Advice",
    "AdviceOffering",
    "AttendanceMonth",
    "AuditEntry",
    "CapacityPeriod",
    "CaseTransfer",
    "Contract",
    "ContractDocument",
    "ContractStatus",
    "ExamResult",
    "ExportError",
    "ExportFormat",
    "ExportState",
    "IntakeVolume",
    "Learner",
    "LearnerRoute",
    "Leerbaarheidstoets",
    "Lot",
    "LotMonthSummary",
    "LotPeriodUse",
    "LotStatus",
    "MonthlyAttendance",
    "Municipality",
    "ProgressReport",
    "Referral",
    "ReferralMonth",
    "ReferralState",
    "ReferralTransition",
    "Region",
    "ReportExport",
    "cbs_code_validator",
]

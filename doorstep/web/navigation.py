"""Role-aware navigation: which pages a user's roles open. Several roles see the union."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor


@dataclass(frozen=True)
class Page:
    url_name: str
    label: Promise
    description: Promise
    roles: frozenset[str]


#: Role pages in the order they appear in the navigation and on the dashboard.
PAGES: tuple[Page, ...] = (
    # the visit loop (issue 3)
    Page(
        "web:catalog",
        _("Book a service"),
        _("Browse nursing and daily-life services, see the price, book a visit."),
        frozenset({Role.ELDER, Role.FAMILY}),
    ),
    Page(
        "web:my_orders",
        _("My orders"),
        _("Follow each visit, confirm it and rate it."),
        frozenset({Role.ELDER, Role.FAMILY}),
    ),
    Page(
        "web:offers",
        _("Offers for me"),
        _("Visits offered to you: accept or decline before the time runs out."),
        frozenset({Role.NURSE, Role.CAREGIVER}),
    ),
    Page(
        "web:pool",
        _("Open pool"),
        _("Visits you can take near you."),
        frozenset({Role.NURSE, Role.CAREGIVER}),
    ),
    Page(
        "web:schedule",
        _("My schedule"),
        _("Your visits: travel, check in, record, check out."),
        frozenset({Role.NURSE, Role.CAREGIVER}),
    ),
    Page(
        "web:assessments",
        _("Assessment queue"),
        _("Review first-visit assessments and set risk flags."),
        frozenset({Role.INSTITUTION_REVIEWER, Role.INSTITUTION_ADMIN}),
    ),
    Page(
        "web:dispatch",
        _("Dispatch"),
        _("Assign providers or publish visits to the open pool."),
        frozenset({Role.DISPATCHER, Role.INSTITUTION_ADMIN}),
    ),
    Page(
        "web:dispatch_board",
        _("Dispatch board"),
        _("Plan the day, see each provider's timeline and the map, move visits, accept."),
        frozenset({Role.DISPATCHER, Role.INSTITUTION_ADMIN, Role.PLATFORM_ADMIN}),
    ),
    Page(
        "web:verification",
        _("Visit verification"),
        _("Check-ins flagged for review and correction requests."),
        frozenset({Role.DISPATCHER, Role.INSTITUTION_ADMIN, Role.INSTITUTION_REVIEWER}),
    ),
    Page(
        "web:complaints",
        _("Complaints"),
        _("Take complaints in hand and close them with an outcome before the deadline."),
        frozenset({Role.INSTITUTION_QUALITY, Role.INSTITUTION_ADMIN}),
    ),
    Page(
        "web:quality_reviews",
        _("Quality reviews"),
        _("Reviews opened by low ratings and safety complaints: close them with an outcome."),
        frozenset({Role.INSTITUTION_QUALITY, Role.INSTITUTION_ADMIN}),
    ),
    Page(
        "web:blacklist",
        _("Patient blacklist"),
        _("Patients refused new bookings, with the reason and the review date."),
        frozenset(
            {
                Role.INSTITUTION_ADMIN,
                Role.INSTITUTION_QUALITY,
                Role.INSTITUTION_REVIEWER,
                Role.DISPATCHER,
            }
        ),
    ),
    Page(
        "web:devices",
        _("Home devices"),
        _("Monitors, sensors and watches at home: battery, last contact, register or retire."),
        frozenset(
            {
                Role.PLATFORM_ADMIN,
                Role.OPERATOR,
                Role.INSTITUTION_ADMIN,
                Role.INSTITUTION_REVIEWER,
                Role.DISPATCHER,
                Role.FAMILY,
                Role.ELDER,
            }
        ),
    ),
    Page(
        "web:alarms",
        _("Alarm console"),
        _("Open alarms of your region, live: acknowledge, call, resolve with a note."),
        frozenset({Role.OPERATOR, Role.PLATFORM_ADMIN, Role.INSTITUTION_ADMIN}),
    ),
    Page(
        "web:alarm_contacts_index",
        _("Security office contacts"),
        _("Who is told at once, with the live location, when one of your nurses is in danger."),
        frozenset({Role.INSTITUTION_ADMIN, Role.PLATFORM_ADMIN}),
    ),
    Page(
        "web:alarm_email",
        _("Alarm e-mail"),
        _("Also receive the alarms you are told about at an e-mail address, e.g. a duty mailbox."),
        frozenset({Role.OPERATOR, Role.INSTITUTION_ADMIN, Role.PLATFORM_ADMIN, Role.FAMILY}),
    ),
    Page(
        "web:intake",
        _("Phone intake"),
        _("Find the elder, type the need, book on their behalf."),
        frozenset({Role.OPERATOR}),
    ),
    Page(
        "web:providers",
        _("Verify providers"),
        _("Review nurses and caregivers awaiting verification."),
        frozenset({Role.INSTITUTION_ADMIN, Role.INSTITUTION_REVIEWER}),
    ),
    Page(
        "web:elders",
        _("Find or register an elder"),
        _("Search by phone, name or ID number, or register a new elder."),
        frozenset({Role.OPERATOR}),
    ),
    Page(
        "web:my_earnings",
        _("My earnings"),
        _("What each visit paid and your share, month by month."),
        frozenset({Role.NURSE, Role.CAREGIVER}),
    ),
    Page(
        "web:claims",
        _("Claims"),
        _("Claims to insurers and subsidy schemes: submit, decide, download the batch file."),
        frozenset({Role.PAYER_OFFICER, Role.FINANCE_OFFICER, Role.INSTITUTION_ADMIN}),
    ),
    Page(
        "web:payer_rules",
        _("Payer rules"),
        _("What each insurer or subsidy scheme pays, by region; publish a new version."),
        frozenset({Role.PAYER_OFFICER, Role.PLATFORM_ADMIN}),
    ),
    Page(
        "web:finance",
        _("Finance"),
        _("Monthly settlement statements (PDF, XLSX), payouts and the reconciliation report."),
        frozenset({Role.FINANCE_OFFICER, Role.INSTITUTION_ADMIN, Role.PLATFORM_ADMIN}),
    ),
    Page(
        "web:care_records",
        _("Care records"),
        _("What was done at each visit: measurements, notes and photos."),
        frozenset({Role.ELDER, Role.FAMILY}),
    ),
    Page(
        "web:health_index",
        _("Health records"),
        _("Conditions, medications, readings and their trends, assessments; a summary to print."),
        frozenset(
            {
                Role.ELDER,
                Role.FAMILY,
                Role.NURSE,
                Role.COMMUNITY_DOCTOR,
                Role.INSTITUTION_REVIEWER,
            }
        ),
    ),
    Page(
        "web:care_plan_index",
        _("Care plans"),
        _("Each elder's care plan, the visits it books and what the health data proposes."),
        frozenset(
            {
                Role.ELDER,
                Role.FAMILY,
                Role.NURSE,
                Role.COMMUNITY_DOCTOR,
                Role.INSTITUTION_REVIEWER,
            }
        ),
    ),
    Page(
        "web:family",
        _("My elders"),
        _("Link to an elder, record consent, withdraw consent."),
        frozenset({Role.FAMILY}),
    ),
    Page(
        "web:my_profile",
        _("My profile"),
        _("Your details, emergency contacts and consents."),
        frozenset({Role.ELDER}),
    ),
    Page(
        "web:region",
        _("Region overview"),
        _("Counts of elders, providers and institutions in your region."),
        frozenset({Role.REGULATOR}),
    ),
    Page(
        "web:audit",
        _("Audit log"),
        _("Every change to personal data, filterable and exportable."),
        frozenset({Role.PLATFORM_ADMIN}),
    ),
)


def pages_for(actor: Actor) -> list[Page]:
    """The role pages ``actor`` may open: the union over all their roles."""
    return [p for p in PAGES if actor.roles & p.roles]

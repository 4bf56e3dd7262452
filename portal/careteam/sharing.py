"""Share links: her referral summary of a period, opened by a care-team member without an account.

A link is a random token (only its SHA-256 is stored), open 14 days by default and at most 90,
sent to the member's e-mail through the outbox. Every opening is access-logged with the
recipient as the actor. A revoked, expired or unknown token is the same "not found".
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from portal import audit
from portal.careteam.forms import CARE_ROLE_LABELS, SHARE_MAX_VALID_DAYS
from portal.dates import local_today
from portal.extensions import db
from portal.links import absolute_url
from portal.mail import send_mail
from portal.models import CareTeamMember, ShareLink, User
from portal.reports.summary import Period, last_days
from portal.tokens import hash_token, new_token

# 2027-01 adds her phone number and emergency contact, which the referral summary's first page
# shows so that a colleague can reach her; links made under 2026-12 do not show them.
SHARE_CONSENT_VERSION = "2027-01"
CONSENT_VERSIONS_WITH_CONTACT = frozenset({"2027-01"})
# The same value as portal.auditlog.entries.SHARE_RECIPIENT_ROLE, which names it in her log.
RECIPIENT_ROLE = "share_recipient"


# Why a link was closed, kept on the row.
REVOKED_BY_HAND = "revoked"
REVOKED_MEMBER_REMOVED = "member_removed"
REVOKED_CONSENT_WITHDRAWN = "consent_withdrawn"


class ShareError(ValueError):
    """A share that cannot be made; the message is for the person who asked."""


def consent_withdrawn(client: User) -> bool:
    """Tell whether she has withdrawn her consent (and not given it again)."""
    return client.profile is not None and client.profile.collection_paused


def consent_wording(client: User, member: CareTeamMember, period: Period, until: date) -> str:
    """Return the consent she gives for one share, in the current language."""
    return _(
        "I agree that %(recipient)s (%(role)s) may read my referral summary of %(start)s to "
        "%(end)s through a link, until %(until)s: my scores, check-ins, signals and how they "
        "were handled, the notes shared with me, and my phone number and emergency contact. "
        "Not the practice's private notes. I can revoke the link at any time.",
        recipient=member.name,
        role=CARE_ROLE_LABELS[member.role],
        start=period.start.isoformat(),
        end=period.end.isoformat(),
        until=until.isoformat(),
    )


def plan(client: User, member: CareTeamMember, period_days: int, valid_days: int,
         now: datetime | None = None) -> tuple[Period, datetime, str]:
    """Return the period, the expiry and the consent text a share would have."""
    if not member.email:
        raise ShareError(_("Add an e-mail address for %(name)s first.", name=member.name))
    if not 1 <= valid_days <= SHARE_MAX_VALID_DAYS:
        raise ShareError(
            _("A link can stay open for 1 to %(max)d days.", max=SHARE_MAX_VALID_DAYS)
        )
    now = now or datetime.now(UTC)
    period = last_days(period_days, local_today(client.timezone))
    expires_at = now + timedelta(days=valid_days)
    return period, expires_at, consent_wording(client, member, period, expires_at.date())


def create_share(
    client: User,
    member: CareTeamMember,
    period_days: int,
    valid_days: int,
    actor: User,
    now: datetime | None = None,
    reason: str | None = None,
) -> tuple[ShareLink, str]:
    """Make a share link with her consent recorded, and queue the e-mail to the member."""
    if consent_withdrawn(client):
        if actor.id == client.id:
            raise ShareError(_("You have withdrawn your consent, so no new link can be made "
                               "until you give it again."))
        raise ShareError(_("She has withdrawn her consent, so no new link can be made until "
                           "she gives it again."))
    now = now or datetime.now(UTC)
    period, expires_at, consent = plan(client, member, period_days, valid_days, now)
    token, token_hash = new_token()
    share = ShareLink(
        client_id=client.id,
        member_id=member.id,
        recipient_name=member.name,
        recipient_role=member.role,
        recipient_email=member.email,
        token_hash=token_hash,
        period_start=period.start,
        period_end=period.end,
        created_by_id=actor.id,
        consent_text=consent,
        consent_version=SHARE_CONSENT_VERSION,
        consent_recorded_by_practitioner=actor.id != client.id,
        reason=reason or None,
        created_at=now,
        expires_at=expires_at,
    )
    db.session.add(share)
    db.session.flush()
    audit.record("summary_shared", client=client, actor=actor,
                 detail=f"share {share.id} to member {member.id} until {expires_at.date()}")
    # The member reads Dutch: the practice is Dutch, and we do not know their language.
    with force_locale("nl"):
        (message,) = send_mail(
            member.email,
            _("A summary shared with you by %(practice)s",
              practice=current_app.config["PRACTICE_NAME"]),
            render_template(
                "emails/share_link.txt",
                share=share,
                initials=client.initials,
                link=absolute_url("careteam.shared_summary", token=token),
            ),
            kind="share_link",
        )
    db.session.flush()
    share.outbox_message_id = message.id
    return share, token


def share_for_token(token: str, now: datetime | None = None) -> ShareLink | None:
    """Return the open share a token opens, or None (unknown, revoked or expired alike)."""
    if not token or len(token) > 100:
        return None
    share = db.session.scalar(sa.select(ShareLink).where(ShareLink.token_hash == hash_token(token)))
    if share is None or not share.is_open(now or datetime.now(UTC)):
        return None
    # Withdrawing consent closes every link; a link that escaped that still opens nothing.
    if consent_withdrawn(share.client):
        return None
    return share


def record_opening(share: ShareLink, what: str) -> None:
    """Count an opening and log it with the recipient as the actor (NEN 7513)."""
    share.open_count += 1
    share.last_opened_at = datetime.now(UTC)
    db.session.flush()
    audit.record(
        "share_opened",
        client=share.client,
        actor_label=f"{share.recipient_name} ({share.recipient_email})",
        actor_role=RECIPIENT_ROLE,
        detail=f"share {share.id}: {what}",
    )


def shares_of(client: User) -> list[ShareLink]:
    """Return her share links, newest first."""
    return list(db.session.scalars(
        sa.select(ShareLink).where(ShareLink.client_id == client.id)
        .order_by(ShareLink.created_at.desc(), ShareLink.id.desc())
    ))


def share_of(client: User, share_id: int) -> ShareLink | None:
    """Return one of her share links, or None when the id is not hers."""
    return db.session.scalar(
        sa.select(ShareLink).where(ShareLink.id == share_id, ShareLink.client_id == client.id)
    )


def revoke(share: ShareLink, actor: User, now: datetime | None = None,
           reason: str = REVOKED_BY_HAND) -> bool:
    """Close a link at once, keeping why; False if it was already revoked."""
    if share.revoked_at is not None:
        return False
    share.revoked_at = now or datetime.now(UTC)
    share.revoked_reason = reason
    db.session.flush()
    audit.record("share_revoked", client=share.client, actor=actor,
                 detail=f"share {share.id} ({reason})")
    return True


def _revoke_open(condition, actor: User, reason: str) -> int:
    """Close every open link matching a condition; return how many were closed."""
    now = datetime.now(UTC)
    closed = 0
    for share in db.session.scalars(
        sa.select(ShareLink).where(condition, ShareLink.revoked_at.is_(None))
    ):
        if share.is_open(now):
            closed += revoke(share, actor, now, reason)
    return closed


def revoke_for_member(member: CareTeamMember, actor: User) -> None:
    """Close the open links of a member who leaves her care team."""
    _revoke_open(ShareLink.member_id == member.id, actor, REVOKED_MEMBER_REMOVED)


def revoke_for_withdrawn_consent(client: User, actor: User) -> int:
    """Close every open link of hers at once: she withdrew her consent."""
    return _revoke_open(ShareLink.client_id == client.id, actor, REVOKED_CONSENT_WITHDRAWN)

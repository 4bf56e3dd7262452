"""People and their accounts: users, client profiles, invitations, consents, enquiries."""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime, time

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import NEVER_REUSE_IDS, UTCDateTime, utcnow


class Role(enum.StrEnum):
    CLIENT = "client"
    PRACTITIONER = "practitioner"
    ADMIN = "admin"


ROLE_VALUES = tuple(role.value for role in Role)

DELIVERY_TYPES = (
    "induced_oxytocin",
    "induced_other",
    "spontaneous",
    "planned_caesarean",
    "emergency_caesarean",
)
FEEDING_TYPES = ("breast", "bottle", "both")


def new_pseudonym() -> str:
    """Return a fresh random pseudonym for an account (256 bits, hex)."""
    return secrets.token_hex(32)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("role in ('client', 'practitioner', 'admin')", name="role_known"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[str] = mapped_column(sa.String(20), index=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    locale: Mapped[str] = mapped_column(sa.String(5), default="nl")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Amsterdam")
    active: Mapped[bool] = mapped_column(default=True)
    # Names her in the access log once she is erased. Random, not derived from the id: an id
    # says nothing about who had it, and no two accounts ever share a pseudonym.
    pseudonym: Mapped[str] = mapped_column(sa.String(64), default=new_pseudonym)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_secret_encrypted: Mapped[str | None] = mapped_column(sa.String(255))
    totp_enabled: Mapped[bool] = mapped_column(default=False)
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    profile: Mapped[ClientProfile | None] = relationship(
        back_populates="user",
        foreign_keys="ClientProfile.user_id",
        uselist=False,
        cascade="all, delete-orphan",
    )

    # The id of the session this object was loaded for or signed in with (set by
    # portal.auth.sessions, never stored). Without one the login cookie opens nothing.
    session_token = None

    def get_id(self) -> str | None:
        """Return what the login cookie carries: the random id of a server-side session."""
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_client(self) -> bool:
        return self.role == Role.CLIENT

    @property
    def is_practitioner(self) -> bool:
        return self.role == Role.PRACTITIONER

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def initials(self) -> str:
        """Return the initials of her name as written ("Sophie de Groot": "S.d.G.")."""
        return "".join(f"{part[0]}." for part in self.full_name.split() if part[0].isalnum())

    @property
    def client_number(self) -> int:
        """Return the number the practice knows her by in e-mails and lists (her account id)."""
        return self.id

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class ClientProfile(db.Model):
    __tablename__ = "client_profiles"
    __table_args__ = (
        sa.CheckConstraint(
            "delivery_type is null or delivery_type in ("
            + ", ".join(f"'{t}'" for t in DELIVERY_TYPES)
            + ")",
            name="delivery_type_known",
        ),
        sa.CheckConstraint(
            "feeding is null or feeding in ('breast', 'bottle', 'both')", name="feeding_known"
        ),
    )

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    practitioner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    delivery_date: Mapped[date | None]
    delivery_type: Mapped[str | None] = mapped_column(sa.String(30))
    feeding: Mapped[str | None] = mapped_column(sa.String(10))
    baby_name: Mapped[str | None] = mapped_column(sa.String(80))
    started_on: Mapped[date] = mapped_column(default=date.today)
    # Consent withdrawn: no new health data is collected until she gives it again.
    collection_paused: Mapped[bool] = mapped_column(default=False)
    reminder_enabled: Mapped[bool] = mapped_column(default=False)
    reminder_time: Mapped[time | None]
    # The reminder can come by e-mail, as a push to the phones she turned it on for, or both.
    reminder_email: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    last_reminder_on: Mapped[date | None]
    date_of_birth: Mapped[date | None]
    # Phone numbers are stored in E.164 (+31612345678), checked by portal.careteam.phones.
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    emergency_contact_name: Mapped[str | None] = mapped_column(sa.String(120))
    emergency_contact_relation: Mapped[str | None] = mapped_column(sa.String(60))
    emergency_contact_phone: Mapped[str | None] = mapped_column(sa.String(20))

    user: Mapped[User] = relationship(back_populates="profile", foreign_keys=[user_id])
    practitioner: Mapped[User | None] = relationship(foreign_keys=[practitioner_id])


class Invitation(db.Model):
    __tablename__ = "invitations"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[str] = mapped_column(sa.String(20))
    # Only a SHA-256 of the token is stored: a leaked table cannot be used to sign up.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    practitioner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    locale: Mapped[str] = mapped_column(sa.String(5), default="nl")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    practitioner: Mapped[User | None] = relationship(foreign_keys=[practitioner_id])


class PasswordReset(db.Model):
    __tablename__ = "password_resets"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class EmailChange(db.Model):
    """A new sign-in address she asked for, waiting for the link sent to that address."""

    __tablename__ = "email_changes"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    new_email: Mapped[str] = mapped_column(sa.String(254))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class Consent(db.Model):
    __tablename__ = "consents"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(sa.String(20))
    locale: Mapped[str] = mapped_column(sa.String(5))
    text: Mapped[str] = mapped_column(sa.Text)
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RecoveryCode(db.Model):
    __tablename__ = "recovery_codes"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(255))
    # A keyed prefix of the code (twofactor.recovery_lookup): an attempt finds its one candidate
    # without argon2. None for codes made before migration 0005.
    code_lookup: Mapped[str | None] = mapped_column(sa.String(8))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Enquiry(db.Model):
    """A prospective client's question or registration request; creates no account."""

    __tablename__ = "enquiries"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    message: Mapped[str] = mapped_column(sa.Text)
    locale: Mapped[str] = mapped_column(sa.String(5), default="nl")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ErasureRequest(db.Model):
    __tablename__ = "erasure_requests"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    # Set to NULL when the account is erased; the pseudonym stays for the record.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    pseudonym: Mapped[str] = mapped_column(sa.String(64))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decision: Mapped[str | None] = mapped_column(sa.String(20))  # erased | kept
    reason: Mapped[str | None] = mapped_column(sa.Text)

"""What the account page and the practitioner's client page show of her contact and care team.

Kept apart from the views so the account and practice blueprints can build these parts of
their pages without importing the care-team views (which render those pages on a bad post).
"""

from portal.careteam import services, sharing
from portal.careteam.forms import (
    CareTeamMemberForm,
    ContactAttemptForm,
    ContactForm,
    PractitionerContactForm,
    PractitionerShareForm,
    RemoveMemberForm,
    RevokeShareForm,
    ShareForm,
)
from portal.models import Flag, User


def with_members(form: ShareForm, members) -> ShareForm:
    """Offer the members a link can be sent to (those with an e-mail address)."""
    form.member_id.choices = [
        (member.id, services.member_label(member)) for member in members if member.email
    ]
    return form


def account_forms(client: User) -> dict:
    """Build the account page's contact, care-team and sharing forms, unbound."""
    members = services.care_team(client.id)
    return {
        "contact_form": ContactForm(formdata=None, obj=client.profile, prefix="contact"),
        "member_form": CareTeamMemberForm(formdata=None, prefix="member"),
        "remove_member_form": RemoveMemberForm(formdata=None, prefix="remove"),
        "care_team": members,
        "share_form": with_members(ShareForm(formdata=None, prefix="share"), members),
        "revoke_share_form": RevokeShareForm(formdata=None, prefix="revoke"),
        "shares": sharing.shares_of(client),
        "sharing_closed": sharing.consent_withdrawn(client),
    }


def client_page_context(client: User, flags: list[Flag], forms: dict) -> dict:
    """Return what the practitioner's client page needs for contact details and calls."""
    panel = services.contact_panel(client, [flag.id for flag in flags])
    choices = services.callee_choices(client, panel.members)
    attempt_forms = {}
    for flag in (flag for flag in flags if flag.is_open and flag.level == "urgent"):
        form = forms.get("attempt_forms", {}).get(flag.id) or ContactAttemptForm(
            formdata=None, prefix=f"call-{flag.id}"
        )
        form.callee.choices = choices
        attempt_forms[flag.id] = form
    return {
        "contact": panel,
        "contact_form": forms.get("contact_form")
        or PractitionerContactForm(formdata=None, obj=client.profile, prefix="contact"),
        "member_form": forms.get("member_form") or CareTeamMemberForm(formdata=None,
                                                                     prefix="member"),
        "remove_member_form": RemoveMemberForm(formdata=None, prefix="remove"),
        "attempt_forms": attempt_forms,
        "share_form": forms.get("share_form")
        or with_members(PractitionerShareForm(formdata=None, prefix="share"), panel.members),
        "revoke_share_form": RevokeShareForm(formdata=None, prefix="revoke"),
        "shares": sharing.shares_of(client),
        "sharing_closed": sharing.consent_withdrawn(client),
    }

"""Every route of the app against every kind of visitor: the expected answer of each cell.

Routes come from app.url_map, so a new route without a row here fails the test. Each route is
tried with a resource owned by client A and one owned by client B, as six visitors named
relative to that resource: its owner (the client herself), another client, her practitioner,
another practitioner, an admin, and an anonymous visitor. GET and POST are both tried where the
route takes them (POSTs carry a valid CSRF token and no other data).

Answers:  ok = served (2xx, a redirect elsewhere than the login page, or a refusal of the
               empty form: 400, 409, 410, 422)
          login = sent to the login page     403 = wrong role     404 = not yours / not there
"""

from datetime import UTC, datetime, time, timedelta

import pytest

from portal.dates import local_today
from portal.extensions import db
from portal.models import (
    Appointment,
    AvailabilityException,
    CareTeamMember,
    CheckIn,
    ClientProfile,
    Enquiry,
    ErasureRequest,
    Flag,
    Invitation,
    Lesson,
    LessonText,
    Message,
    MessageSettings,
    MessageThread,
    Module,
    ModuleText,
    Note,
    QuestionnaireResponse,
    ShareLink,
    User,
    UserSession,
    WeeklyHours,
)
from portal.passwords import hash_password
from tests.conftest import CSRF_RE

VISITORS = ("owner", "other_client", "her_practitioner", "other_practitioner", "admin", "anon")
PASSWORD = "matrix password long enough"

# Rows of answers in VISITORS order.
PUBLIC = ("ok",) * 6
SIGNED_IN = ("ok",) * 5 + ("login",)
CLIENT_OWN = ("ok", "ok", "403", "403", "403", "login")  # her own pages, no id in the address
PRACTITIONER = ("403", "403", "ok", "ok", "403", "login")  # the practitioner's own pages
# A client's record by id: only her practitioner; nobody else learns whether it exists.
CLIENT_RECORD = ("404", "404", "ok", "404", "404", "login")
OWN_RESPONSE = ("ok", "404", "403", "403", "403", "login")  # her own result, by id
ADMIN = ("403", "403", "403", "403", "ok", "login")
# One of her signed-in devices, by id: only she may sign it out.
OWN_SESSION = ("ok", "404", "404", "404", "404", "login")
OWN_MESSAGE = ("ok", "404", "404", "404", "404", "login")  # only its sender may withdraw it
NOT_FOUND = ("404",) * 6
STAFF = ("403", "403", "ok", "ok", "ok", "login")  # the calendar: own (practitioner) or all
CLIENT_RECORD_OR_ADMIN = ("404", "404", "ok", "404", "ok", "login")
OWN_HOURS = ("403", "403", "ok", "404", "403", "login")  # a practitioner's own hours, by id
SIGNED_OUT_ONLY = ("ok",) * 6  # login, reset: signed-in people are sent home (a redirect)

EXPECTED = {
    # endpoint: {method: row}
    "static": {"GET": PUBLIC},
    "public.index": {"GET": PUBLIC},
    "public.help_now": {"GET": PUBLIC},
    "public.offline": {"GET": PUBLIC},
    "public.service_worker": {"GET": PUBLIC},
    "health.healthz": {"GET": PUBLIC},
    "public.about": {"GET": PUBLIC},
    "public.contact": {"GET": PUBLIC, "POST": PUBLIC},
    "auth.login": {"GET": SIGNED_OUT_ONLY, "POST": SIGNED_OUT_ONLY},
    # The code page: signed-in people are sent home, others without a password step to login.
    "auth.two_factor": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "auth.logout": {"POST": ("login",) * 6},  # signs out, then shows the login page
    "auth.accept_invitation": {"GET": PUBLIC, "POST": PUBLIC},  # an unknown token: 410
    "auth.request_reset": {"GET": PUBLIC, "POST": PUBLIC},
    "auth.reset_password": {"GET": PUBLIC, "POST": PUBLIC},  # an unknown token: 410
    "auth.set_language": {"POST": PUBLIC},
    "auth.two_factor_setup": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "auth.two_factor_manage": {"GET": SIGNED_IN},
    "auth.two_factor_disable": {"POST": SIGNED_IN},
    "auth.new_recovery_codes": {"POST": SIGNED_IN},
    "checkins.today": {"GET": CLIENT_OWN, "POST": CLIENT_OWN},
    "checkins.history": {"GET": CLIENT_OWN},
    "checkins.saved": {"GET": CLIENT_OWN},
    "checkins.history_chart": {"GET": CLIENT_OWN},
    "reports.my_chart": {"GET": CLIENT_OWN},
    "checkins.reminders": {"POST": CLIENT_OWN},
    "checkins.push_subscribe": {"POST": CLIENT_OWN},
    "checkins.push_unsubscribe": {"POST": CLIENT_OWN},
    "questionnaires.index": {"GET": CLIENT_OWN},
    "questionnaires.fill": {"GET": CLIENT_OWN, "POST": CLIENT_OWN},
    "questionnaires.result": {"GET": OWN_RESPONSE},
    "questionnaires.safety": {"GET": OWN_RESPONSE},  # a redirect to the result without item 10
    "questionnaires.fill_for_client": {"GET": CLIENT_RECORD, "POST": CLIENT_RECORD},
    "questionnaires.admin_instruments": {"GET": ADMIN, "POST": ADMIN},
    "guidance.index": {"GET": CLIENT_OWN},
    "guidance.module": {"GET": CLIENT_OWN},
    "guidance.lesson": {"GET": CLIENT_OWN},
    "guidance.mark_done": {"POST": CLIENT_OWN},
    "guidance.dismiss_recommendation": {"POST": CLIENT_OWN},
    "guidance.client_progress": {"GET": CLIENT_RECORD, "POST": CLIENT_RECORD},
    "guidance.admin_index": {"GET": ADMIN},
    "guidance.admin_module": {"GET": ADMIN},
    "guidance.admin_new_module": {"GET": ADMIN, "POST": ADMIN},
    "guidance.admin_module_text": {"GET": ADMIN, "POST": ADMIN},
    "guidance.admin_new_lesson": {"GET": ADMIN, "POST": ADMIN},
    "guidance.admin_lesson_text": {"GET": ADMIN, "POST": ADMIN},
    "guidance.admin_move_module": {"POST": ADMIN},
    "guidance.admin_move_lesson": {"POST": ADMIN},
    "guidance.admin_publish_module": {"POST": ADMIN},
    "guidance.admin_publish_lesson": {"POST": ADMIN},
    "practice.dashboard": {"GET": PRACTITIONER},
    "practice.client_page": {"GET": CLIENT_RECORD},
    "practice.client_chart": {"GET": CLIENT_RECORD},
    "practice.record_checkin": {"POST": CLIENT_RECORD},
    "practice.create_note": {"POST": CLIENT_RECORD},
    "practice.edit_note": {"GET": CLIENT_RECORD, "POST": CLIENT_RECORD},
    "practice.withdraw_note": {"POST": CLIENT_RECORD},
    "practice.acknowledge_flag": {"POST": CLIENT_RECORD},
    "reports.progress": {"GET": CLIENT_OWN},
    "reports.my_pdf": {"GET": CLIENT_OWN},
    "reports.client_pdf": {"GET": CLIENT_RECORD},
    "reports.client_referral_pdf": {"GET": CLIENT_RECORD, "POST": CLIENT_RECORD},
    "privacy.account": {"GET": SIGNED_IN},
    "privacy.change_password": {"POST": SIGNED_IN},
    "privacy.change_email": {"POST": SIGNED_IN},
    "privacy.sign_out_device": {"POST": OWN_SESSION},
    # Signs out every device, this one too, then shows the login page.
    "privacy.sign_out_everywhere": {"POST": ("login",) * 6},
    "privacy.confirm_email": {"GET": PUBLIC, "POST": PUBLIC},  # an unknown token: 410
    "privacy.export_data": {"POST": CLIENT_OWN},
    "privacy.withdraw_consent": {"POST": CLIENT_OWN},
    "privacy.give_consent": {"POST": CLIENT_OWN},
    "privacy.request_erasure": {"POST": CLIENT_OWN},
    "privacy.erasure_requests": {"GET": ADMIN},
    "privacy.decide_erasure": {"POST": ADMIN},
    "privacy.retention": {"GET": ADMIN},
    "admin.index": {"GET": ADMIN},
    "admin.invite": {"GET": ADMIN, "POST": ADMIN},
    "admin.resend_invitation": {"POST": ADMIN},
    "admin.revoke_invitation": {"POST": ADMIN},
    "admin.edit_user": {"GET": ADMIN, "POST": ADMIN},
    "admin.reset_two_factor": {"POST": ADMIN},
    "admin.enquiries": {"GET": ADMIN},
    "admin.mark_enquiry_handled": {"POST": ADMIN},
    "admin.invite_from_enquiry": {"POST": ADMIN},
    "admin.outbox_page": {"GET": ADMIN},
    "admin.outbox_retry_dead": {"POST": ADMIN},
    "admin.urgent_flags": {"GET": ADMIN},
    "admin.reassign_client": {"POST": ADMIN},
    "auditlog.index": {"GET": ADMIN},
    "messages.inbox": {"GET": CLIENT_OWN, "POST": CLIENT_OWN},
    "messages.withdraw": {"POST": OWN_MESSAGE},
    # The World's practitioners are away, so the admin covers their conversations; an admin
    # who is not covering gets 404 (tests/test_messages.py).
    "messages.covering": {"GET": ADMIN},
    "messages.covering_thread": {"GET": ADMIN, "POST": ADMIN},
    "messages.covering_handled": {"POST": ADMIN},
    "practice.send_message": {"POST": CLIENT_RECORD},
    "practice.mark_thread_handled": {"POST": CLIENT_RECORD},
    "privacy.message_settings": {"POST": SIGNED_IN},
    "careteam.own_contact": {"POST": CLIENT_OWN},
    "careteam.own_add_member": {"POST": CLIENT_OWN},
    "careteam.own_remove_member": {"POST": OWN_RESPONSE},  # her own member, by id
    "careteam.client_contact": {"POST": CLIENT_RECORD},
    "careteam.client_add_member": {"POST": CLIENT_RECORD},
    "careteam.client_remove_member": {"POST": CLIENT_RECORD},
    "careteam.record_call": {"POST": CLIENT_RECORD},
    "careteam.admin_contact": {"GET": ADMIN, "POST": ADMIN},
    "careteam.urgent_protocol": {"GET": ADMIN, "POST": ADMIN},
    "careteam.own_share": {"POST": CLIENT_OWN},
    "careteam.own_revoke_share": {"POST": OWN_RESPONSE},  # her own link, by id
    "careteam.client_share": {"POST": CLIENT_RECORD},
    "careteam.client_revoke_share": {"POST": CLIENT_RECORD},
    # A share link's pages need no account; an unknown token is 404 for everyone alike.
    "careteam.shared_summary": {"GET": NOT_FOUND},
    "careteam.shared_pdf": {"GET": NOT_FOUND},
    "careteam.shared_fhir": {"GET": NOT_FOUND},
    "reports.client_fhir": {"GET": CLIENT_RECORD},
    "appointments.index": {"GET": CLIENT_OWN},
    "appointments.choose_time": {"GET": CLIENT_OWN},
    "appointments.confirm": {"GET": CLIENT_OWN, "POST": CLIENT_OWN},
    "appointments.move_choose": {"GET": OWN_RESPONSE},  # her own appointment, by id
    "appointments.move_confirm": {"GET": OWN_RESPONSE, "POST": OWN_RESPONSE},
    "appointments.cancel": {"GET": OWN_RESPONSE, "POST": OWN_RESPONSE},
    "appointments.calendar": {"GET": STAFF},
    "appointments.availability": {"GET": PRACTITIONER},
    "appointments.add_hours": {"POST": PRACTITIONER},
    "appointments.remove_hours": {"POST": OWN_HOURS},
    "appointments.add_exception": {"POST": PRACTITIONER},
    "appointments.remove_exception": {"POST": OWN_HOURS},
    "appointments.save_rules": {"POST": PRACTITIONER},
    "appointments.renew_feed": {"POST": PRACTITIONER},
    "appointments.revoke_feed": {"POST": PRACTITIONER},
    "appointments.feed": {"GET": NOT_FOUND},  # an unknown secret, for everyone alike
    # Her practitioner, or the admin booking an intake after an enquiry.
    "appointments.book_for_client": {"GET": CLIENT_RECORD_OR_ADMIN},
    "appointments.book_for_client_post": {"POST": CLIENT_RECORD_OR_ADMIN},
    "appointments.cancel_for_client": {"POST": CLIENT_RECORD},
    "appointments.move_for_client": {"GET": CLIENT_RECORD, "POST": CLIENT_RECORD},
    "appointments.admin_hours": {"GET": ADMIN},
}


@pytest.fixture
def app_config() -> dict:
    # Sixty-odd requests from one test would trip the login and contact-form limits.
    return {"LOGIN_LIMIT": "1000 per minute", "ENQUIRY_LIMIT": "1000 per minute",
            "SHARE_LIMIT": "1000 per minute"}


def _cells() -> list[tuple[str, str]]:
    return [(endpoint, method) for endpoint, rows in EXPECTED.items() for method in rows]


def test_every_route_has_a_row(app):
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == set(_cells())


class World:
    """Two clients with their records, two practitioners, an admin, and guidance content."""

    def __init__(self):
        password_hash = hash_password(PASSWORD)

        def person(email, role, practitioner=None):
            user = User(email=email, full_name=email.split("@")[0], role=role,
                        password_hash=password_hash, locale="en")
            if role == "client":
                user.profile = ClientProfile(practitioner_id=practitioner.id if practitioner
                                             else None)
            db.session.add(user)
            db.session.flush()
            return user

        self.admin = person("admin@m.test", "admin")
        self.practitioner = {"A": person("pa@m.test", "practitioner"),
                             "B": person("pb@m.test", "practitioner")}
        self.client = {owner: person(f"c{owner.lower()}@m.test", "client",
                                     self.practitioner[owner]) for owner in "AB"}
        module = Module(slug="sleep", position=1, published=True)
        module.texts = [ModuleText(locale=loc, title="Sleep", summary="", intro="")
                        for loc in ("nl", "en")]
        lesson = Lesson(slug="rest", position=1, published=True)
        lesson.texts = [LessonText(locale=loc, title="Rest", body="Rest.", minutes=2)
                        for loc in ("nl", "en")]
        module.lessons = [lesson]
        db.session.add(module)
        self.enquiry = Enquiry(kind="question", name="N", email="n@m.test", message="Hi")
        db.session.add(self.enquiry)
        self.records = {}
        for owner in "AB":
            client = self.client[owner]
            response = QuestionnaireResponse(
                client_id=client.id, instrument="gad7", answers={}, item_scores=[0] * 7,
                total=0, band="minimal", locale="en")
            note = Note(client_id=client.id, author_id=self.practitioner[owner].id, body="n")
            # Two days logged, so that her history and progress charts exist.
            for days_ago in (0, 1):
                db.session.add(CheckIn(client_id=client.id, mood=3, sleep_hours=7,
                                       day=local_today() - timedelta(days=days_ago)))
            flag = Flag(client_id=client.id, rule="silent", level="low", level_rank=3,
                        evidence={}, raised_at=datetime.now(UTC))
            erasure = ErasureRequest(user_id=client.id, pseudonym=f"p{owner}")
            # A device of hers other than the browser the test signs in with.
            device = UserSession(user_id=client.id, token_hash=f"s{owner}" * 32)
            invitation = Invitation(email=f"i{owner}@m.test", full_name="I", role="client",
                                    token_hash=f"{owner}" * 64,
                                    expires_at=datetime.now(UTC))
            thread = MessageThread(client_id=client.id,
                                   practitioner_id=self.practitioner[owner].id,
                                   waiting_since=datetime.now(UTC))
            member = CareTeamMember(client_id=client.id, role="huisarts", name="GP")
            db.session.add_all([response, note, flag, erasure, invitation, device, thread, member])
            db.session.flush()
            message = Message(thread_id=thread.id, sender_id=client.id, from_client=True,
                              body="A question", created_at=datetime.now(UTC))
            away = MessageSettings(user_id=self.practitioner[owner].id,
                                   away_until=local_today() + timedelta(days=7))
            link = ShareLink(client_id=client.id, member_id=member.id, recipient_name="GP",
                             recipient_role="huisarts", recipient_email=f"gp{owner}@m.test",
                             token_hash=f"{owner.lower()}" * 64, period_start=local_today(),
                             period_end=local_today(), consent_text="I agree.",
                             consent_version="2026-12", expires_at=datetime.now(UTC))
            starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
            appointment = Appointment(client_id=client.id,
                                      practitioner_id=self.practitioner[owner].id,
                                      kind="video", starts_at=starts,
                                      ends_at=starts + timedelta(hours=1))
            hours = WeeklyHours(practitioner_id=self.practitioner[owner].id, weekday=0,
                                starts_at=time(9), ends_at=time(12), length_minutes=60,
                                kind="video")
            day_off = AvailabilityException(practitioner_id=self.practitioner[owner].id,
                                            day=local_today(), exception="off")
            db.session.add_all([message, away, link, appointment, hours, day_off])
            db.session.flush()
            self.records[owner] = {"response": response.id, "note": note.id, "flag": flag.id,
                                   "erasure": erasure.id, "invitation": invitation.id,
                                   "session": device.id, "thread": thread.id,
                                   "message": message.id, "member": member.id, "share": link.id,
                                   "appointment": appointment.id, "hours": hours.id,
                                   "exception": day_off.id}
        db.session.commit()
        self.module_id, self.lesson_id = module.id, lesson.id

    def visitor(self, name: str, owner: str) -> User | None:
        other = "B" if owner == "A" else "A"
        return {
            "owner": self.client[owner],
            "other_client": self.client[other],
            "her_practitioner": self.practitioner[owner],
            "other_practitioner": self.practitioner[other],
            "admin": self.admin,
            "anon": None,
        }[name]

    def url_values(self, rule, owner: str) -> dict:
        records = self.records[owner]
        values = {
            "client_id": self.client[owner].id,
            "user_id": self.client[owner].id,
            "response_id": records["response"],
            "note_id": records["note"],
            "flag_id": records["flag"],
            "request_id": records["erasure"],
            "session_id": records["session"],
            "invitation_id": records["invitation"],
            "thread_id": records["thread"],
            "message_id": records["message"],
            "member_id": records["member"],
            "share_id": records["share"],
            "appointment_id": records["appointment"],
            "hours_id": records["hours"],
            "exception_id": records["exception"],
            "kind": "video",
            "enquiry_id": self.enquiry.id,
            "module_id": self.module_id,
            "lesson_id": self.lesson_id,
            "slug": "sleep",
            "lesson_slug": "rest",
            "key": "gad7",
            "locale": "en",
            "token": "not-a-real-token",
            "day": local_today().isoformat(),
            "filename": "css/portal.css",
            "measure": "mood",
            "name": "scales",
            "chart": "days",
            "number": 1,
        }
        return {name: values[name] for name in rule.arguments}


def classify(response) -> str:
    if response.status_code in (302, 303) and "/login" in response.headers.get("Location", ""):
        return "login"
    if response.status_code in (403, 404):
        return str(response.status_code)
    if response.status_code < 400 or response.status_code in (400, 409, 410, 422):
        return "ok"
    return f"unexpected {response.status_code}"


@pytest.mark.parametrize(("endpoint", "method"), _cells())
def test_authorisation_matrix(app, endpoint, method):
    world = World()
    [rule] = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    browsers = {}
    for name in VISITORS:
        for owner in "AB":
            user = world.visitor(name, owner)
            key = user.id if user else None
            if key not in browsers:
                browser = app.test_client()
                if user is not None:
                    token = CSRF_RE.search(browser.get("/login").get_data(as_text=True))[1]
                    browser.post("/login", data={"email": user.email, "password": PASSWORD,
                                                 "csrf_token": token})
                browsers[key] = browser
    mismatches = []
    for index, name in enumerate(VISITORS):
        for owner in "AB":
            user = world.visitor(name, owner)
            browser = browsers[user.id if user else None]
            with app.test_request_context():
                from flask import url_for

                url = url_for(endpoint, **world.url_values(rule, owner))
            if method == "GET":
                response = browser.get(url)
            else:
                html = browser.get("/help").get_data(as_text=True)
                response = browser.post(url, data={"csrf_token": CSRF_RE.search(html)[1]})
            got, expected = classify(response), EXPECTED[endpoint][method][index]
            if got != expected:
                mismatches.append(f"{name} on {owner}'s {url}: expected {expected}, got {got}")
    assert mismatches == []

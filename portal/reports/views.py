"""Progress pages and PDF summaries: the client's own, and a practitioner's of their clients."""

import io
from collections.abc import Callable

from flask import Blueprint, Response, abort, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from portal import audit
from portal.access import client_record_for_practitioner, roles_required
from portal.charts import Chart, ChartLink
from portal.dates import local_today
from portal.extensions import db
from portal.models import Role, User
from portal.reports import insight_cache
from portal.reports.fhir import Bundle, build_bundle
from portal.reports.forms import PeriodForm, ReferralReasonForm
from portal.reports.insight_lines import insight_charts
from portal.reports.insights_shown import remember_shown
from portal.reports.pdf import download_filename, render_pdf
from portal.reports.summary import (
    CLIENT,
    PRACTITIONER,
    REFERRAL,
    ProgressSummary,
    build_summary,
    insight_key,
    summary_charts,
)

bp = Blueprint("reports", __name__)


def _period_form(client: User) -> PeriodForm:
    """Read the period from the query string; "today" is the client's local today."""
    return PeriodForm(formdata=request.args, today=local_today(client.timezone))


def _summary(client: User, form: PeriodForm, audience: str) -> ProgressSummary:
    """Build the summary of the validated period in the reader's language."""
    return build_summary(
        client,
        form.period.start,
        form.period.end,
        audience=audience,
        locale=str(get_locale()),
        keep_insights=True,
    )


def _period_detail(summary: ProgressSummary) -> str:
    """Describe what was read for the access log: the period and version, no health data."""
    return f"{summary.period.start}..{summary.period.end} ({summary.audience} version)"


def _record_access(action: str, client: User, summary: ProgressSummary) -> None:
    """Log the page view or download with the period, never the numbers."""
    audit.record(action, client=client, detail=_period_detail(summary))


@bp.route("/me")
@roles_required(Role.CLIENT)
def progress():
    """Show the client's progress for the chosen period."""
    client = current_user._get_current_object()
    form = _period_form(client)
    if not form.validate():
        return render_template("reports/progress.html", form=form, summary=None), 422
    summary = _summary(client, form, CLIENT)
    if summary.insights and summary.period.end == local_today(client.timezone):
        # What she is told today, so that a finding that goes later leaves a line; committed
        # with the access-log entry of this page view.
        remember_shown(client.id, summary.insights.shown, summary.period.end)
    # Kept with the section until her next save; stored before the page view's one commit.
    charts = _chart_links(client, form, "days", lambda: summary)
    strip_charts = _chart_links(client, form, "insights", lambda: summary)
    _record_access("progress_viewed", client, summary)
    return render_template(
        "reports/progress.html",
        form=form,
        summary=summary,
        charts=charts,
        insight_charts=strip_charts,
        period_args=form.period_args(),
    )


# Narrower than the printed ones, so that their text stays legible on a phone.
PAGE_CHART_WIDTH, PAGE_CHART_HEIGHT = 400, 260
PAGE_CHART_KINDS = ("days", "insights")


def _page_charts(
    client: User, form: PeriodForm, kind: str, summary_for: Callable[[], ProgressSummary]
) -> tuple[Chart, ...]:
    """Draw her progress page's charts of one kind, or read them as kept for the day.

    Kept with her insight section until her next save (portal/reports/insight_cache.py): the
    page names them, and each picture, fetched on its own, is read back instead of drawn again.
    """
    locale = str(get_locale())
    key = insight_key(form.period, locale)
    today = local_today(client.timezone)
    if kind == "insights":
        return insight_cache.charts(client.id, today, f"400 {key}",
                                    lambda: insight_charts(summary_for().insights, locale))
    return insight_cache.charts(
        client.id, today, f"days 400 {key}",
        lambda: summary_charts(summary_for(), width=PAGE_CHART_WIDTH, height=PAGE_CHART_HEIGHT),
    )


def _chart_links(client, form, kind, summary_for) -> list[ChartLink]:
    """The page's words for each chart and the address that draws it (a lazy image)."""
    links = []
    for number, chart in enumerate(_page_charts(client, form, kind, summary_for), start=1):
        width, height = chart.size()
        url = url_for("reports.my_chart", chart=kind, number=number, **form.period_args())
        links.append(ChartLink(chart.alt, chart.summary, url, width, height))
    return links


@bp.route("/me/charts/<chart>-<int:number>.svg")
@roles_required(Role.CLIENT)
def my_chart(chart: str, number: int):
    """One chart of her progress page (counted from 1), for the period in the query string."""
    client = current_user._get_current_object()
    form = _period_form(client)
    if chart not in PAGE_CHART_KINDS or not form.validate():
        abort(404)
    drawn = _page_charts(client, form, chart, lambda: _summary(client, form, CLIENT))
    if number > len(drawn):
        abort(404)
    db.session.commit()  # drawn anew after a save: kept again for the next one
    return Response(drawn[number - 1].svg, mimetype="image/svg+xml")


@bp.route("/me.pdf")
@roles_required(Role.CLIENT)
def my_pdf():
    """Download the client's own progress summary as PDF."""
    client = current_user._get_current_object()
    form = _period_form(client)
    if not form.validate():
        return render_template("reports/progress.html", form=form, summary=None), 422
    return _pdf_download(client, _summary(client, form, CLIENT))


@bp.route("/clients/<int:client_id>.pdf")
@login_required
def client_pdf(client_id: int):
    """Download the practitioner's version of one of their clients' summaries as PDF."""
    client = client_record_for_practitioner(client_id)
    form = _period_form(client)
    if not form.validate():
        back_url = url_for("practice.dashboard")
        return render_template("reports/period_error.html", form=form, back_url=back_url), 422
    return _pdf_download(client, _summary(client, form, PRACTITIONER))


@bp.route("/clients/<int:client_id>/referral.pdf", methods=["GET", "POST"])
@login_required
def client_referral_pdf(client_id: int):
    """Download the referral version for colleagues: no private notes, with a sender.

    Posted (with its CSRF token), it may carry a short reason for sharing, printed first; a
    reason never travels in the address, where it would reach logs and browser history.
    """
    client = client_record_for_practitioner(client_id)
    form = _period_form(client)
    reason_form = ReferralReasonForm(prefix="referral")
    posted = request.method == "POST"
    if not form.validate() or (posted and not reason_form.validate_on_submit()):
        back_url = url_for("practice.client_page", client_id=client.id)
        return render_template("reports/period_error.html", form=form, back_url=back_url,
                               reason_form=reason_form), 422
    summary = build_summary(
        client,
        form.period.start,
        form.period.end,
        audience=REFERRAL,
        locale=str(get_locale()),
        sender=current_user._get_current_object(),
        reason=reason_form.reason.data if posted else None,
    )
    return _pdf_download(client, summary)


@bp.route("/clients/<int:client_id>/fhir.json")
@login_required
def client_fhir(client_id: int):
    """Download a client's whole history, or a chosen period, as a FHIR R4 Bundle (JSON)."""
    client = client_record_for_practitioner(client_id)
    if not request.args:
        # Her whole questionnaire and check-in history unless a period is asked for.
        bundle = build_bundle(client)
        audit.record("fhir_exported", client=client, detail="whole history")
        return fhir_response(bundle, f"fhir-{client.id}-all.json")
    form = _period_form(client)
    if not form.validate():
        back_url = url_for("practice.dashboard")
        return render_template("reports/period_error.html", form=form, back_url=back_url), 422
    bundle = build_bundle(client, form.period)
    audit.record("fhir_exported", client=client,
                 detail=f"{form.period.start}..{form.period.end}")
    return fhir_response(bundle, f"fhir-{client.id}-{form.period.start}-{form.period.end}.json")


def fhir_response(bundle: Bundle, filename: str) -> Response:
    """Send a Bundle as an uncached FHIR JSON attachment."""
    response = Response(bundle.model_dump_json(indent=1), mimetype="application/fhir+json")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _pdf_download(client: User, summary: ProgressSummary):
    """Render the PDF, log the download and send it as an uncached attachment."""
    pdf = render_pdf(summary)
    _record_access("summary_downloaded", client, summary)
    response = send_file(
        io.BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=download_filename(summary),
        etag=False,
        conditional=False,
    )
    response.headers["Cache-Control"] = "no-store"
    return response

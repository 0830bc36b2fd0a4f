"""/api/v1: the public data, read-only, as JSON. Every route is a thin shell over the read
queries the web pages use; permissions are asked of an anonymous visitor, whoever calls, so
the API shows exactly what a page shows to someone not signed in, and responses can be cached.
"""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_smorest import Api
from flask_smorest import Blueprint as SpecBlueprint
from flask_smorest.utils import prepare_response
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import BadRequest, NotFound

from engage.api import cursors, figures
from engage.api.schemas import (AxisSchema, CommentPage, ComuneSchema, ConsultationArgs, ConsultationDetailSchema,
                                ConsultationSchema, InstitutionSchema, LedgerHeadSchema, Page, Problem,
                                PriorityPointSchema, ProposalArgs, ProposalDetailSchema, ProposalPage,
                                QuestionnaireResultsSchema, QuestionnaireSchema, ResultsSchema, link)
from engage.accountability.models import AnswerStatus
from engage.auth.permissions import can, the_public
from engage.comments.queries import public_comments
from engage.consultations.queries import Listing, consultation_for_page, public_consultations
from engage.core import limits
from engage.extensions import db
from engage.institutions.queries import all_institutions
from engage.ledger import services as ledger
from engage.ledger.queries import head
from engage.masterplan.queries import axes_with_points, all_priority_points
from engage.moderation.visibility import is_visible
from engage.proposals import queries as proposals
from engage.proposals import search
from engage.questionnaires import aggregation
from engage.questionnaires.queries import questionnaire_for_page, questionnaires_for
from engage.results.summary import Scope, summary
from engage.territory.queries import all_comuni

PREFIX = "/api/v1"


class _Parser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400  # a bad parameter is a bad request (RFC 9110), not 422


CACHE_HEADERS = {
    "ETag": {"description": "Send it back in If-None-Match: an unchanged answer is a 304",
             "schema": {"type": "string"}},
    "Cache-Control": {"description": "public, max-age=60", "schema": {"type": "string"}},
}


class _Blueprint(SpecBlueprint):
    ARGUMENTS_PARSER = _Parser()

    def response(self, status_code, schema=None, **kwargs):
        """Every read also documents what else it can answer: the caching headers on its 200, a
        304 to a matching If-None-Match, a 429 with Retry-After, and a 404 where a path names
        something (a 400 is added by @arguments, a 405 by the router)."""
        kwargs.setdefault("headers", CACHE_HEADERS)
        documented = super().response(status_code, schema, **kwargs)

        def decorator(func):
            import inspect

            wrapped = documented(func)
            answers = [(304, "NOT_MODIFIED"), (429, "TOO_MANY_REQUESTS")]
            if any(name.endswith("_id") for name in inspect.signature(func).parameters):
                answers.append((404, "NOT_FOUND"))
            for status, name in answers:
                wrapped = self.alt_response(status, response=name)(wrapped)
            return wrapped

        return decorator


class OpenDataApi(Api):
    """flask-smorest for the OpenAPI document and the parameter parsing; errors are answered by
    engage.core.errors (problem details under /api, translated pages elsewhere)."""

    ERROR_SCHEMA = Problem

    def _register_error_handlers(self):
        pass  # flask-smorest would otherwise answer every error of the whole site with its own JSON

    def _register_responses(self):
        import http

        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = Problem
            if status == http.HTTPStatus.TOO_MANY_REQUESTS:
                response["headers"] = {"Retry-After": {"description": "Seconds to wait before asking again",
                                                       "schema": {"type": "integer"}}}
            prepare_response(response, self.spec, "application/problem+json")
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": Problem}
        prepare_response(response, self.spec, "application/problem+json")
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


bp = _Blueprint("api", __name__, url_prefix=PREFIX, description="Engage Cremona open data (public, read-only)")


def _public_consultation(consultation_id: int):
    consultation = consultation_for_page(consultation_id)
    if consultation is None or not can(the_public(), "consultation.view", consultation):
        raise NotFound(_("There is no public consultation with this number."))
    if ledger.seal_if_published(consultation) is not None:
        db.session.commit()  # as the results page: the first look after publication freezes the head
    return consultation


def _results_public(consultation) -> None:
    if not can(the_public(), "results.view", consultation):
        raise NotFound(_("The results of this consultation are not public yet: they are, once voting opens."))


def _public_proposal(proposal_id: int):
    proposal = proposals.proposal_for_page(proposal_id)
    if proposal is None or not can(the_public(), "proposal.view", proposal) or not is_visible(proposal):
        raise NotFound(_("There is no public proposal with this number."))
    return proposal


def _next_link(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    # The path's own values win over a query parameter of the same name.
    return link(request.endpoint, **{**request.args.to_dict(), "cursor": cursor, **request.view_args})


def _keyset_page(query, limit: int, key_of, order: str, rows_of=None) -> dict:
    """One more row than asked tells whether a next page exists, without a COUNT. `rows_of(query,
    limit=n)` reads the rows where plain LIMIT is not the fastest way (proposals.rows_of)."""
    rows = rows_of(query, limit=limit + 1) if rows_of else list(db.session.scalars(query.limit(limit + 1)).unique())
    items, more = rows[:limit], len(rows) > limit
    cursor = cursors.encode(order, key_of(items[-1])) if more else None
    return {"items": items, "next_cursor": cursor, "next": _next_link(cursor)}


def _cursor(args: dict, order: str, *, first_is_time: bool = False) -> tuple | None:
    if "cursor" not in args:
        return None
    try:
        return cursors.decode(order, args["cursor"], first_is_time=first_is_time)
    except cursors.BadCursor:
        error = BadRequest(_("The cursor is not valid for this list: start again from the first page."))
        error.data = {"messages": {"query": {"cursor": ["Not a cursor of this list and order."]}}}
        raise error from None


# Index and reference data.

@bp.get("/")
@bp.response(200)
def index():
    """Where everything is."""
    return {"openapi": link("api-docs.openapi_json"), "docs": link("opendata.api_docs"),
            "licence": "CC BY 4.0", "licence_url": "https://creativecommons.org/licenses/by/4.0/",
            "axes": link("api.axes"), "priority_points": link("api.priority_points"),
            "institutions": link("api.institutions"), "comuni": link("api.comuni"),
            "consultations": link("api.consultations")}


@bp.get("/axes")
@bp.response(200, AxisSchema(many=True))
def axes():
    """The three EU axes of Masterplan 3C."""
    return axes_with_points()


@bp.get("/priority-points")
@bp.response(200, PriorityPointSchema(many=True))
def priority_points():
    """The 13 priority points."""
    return all_priority_points()


@bp.get("/institutions")
@bp.response(200, InstitutionSchema(many=True))
def institutions():
    """The members of the ATS."""
    return all_institutions()


@bp.get("/comuni")
@bp.response(200, ComuneSchema(many=True))
def comuni():
    """The comuni of the province, with their population (ISTAT)."""
    return all_comuni()


# Consultations.

@bp.get("/consultations")
@bp.arguments(ConsultationArgs, location="query")
@bp.response(200, ConsultationSchema(many=True))
def consultations(args):
    """Public consultations, latest first (drafts never)."""
    listing = Listing(args["listing"]) if "listing" in args else None
    return public_consultations(listing, priority_point_id=args.get("priority_point"), axis_id=args.get("axis"),
                                institution_id=args.get("institution"))


@bp.get("/consultations/<int:consultation_id>")
@bp.response(200, ConsultationDetailSchema)
def consultation(consultation_id):
    """One consultation, with its ledger's head once results are public."""
    return _public_consultation(consultation_id)


@bp.get("/consultations/<int:consultation_id>/proposals")
@bp.arguments(ProposalArgs, location="query")
@bp.response(200, ProposalPage)
def consultation_proposals(args, consultation_id):
    """Proposals, with the web list's filters and orders, a page at a time (keyset cursors)."""
    found = _public_consultation(consultation_id)
    filters = proposals.ProposalFilters(
        priority_point_id=args.get("priority_point"), comune_id=args.get("comune"),
        status=proposals.StatusFilter(args["status"]) if "status" in args else None,
        answer_status=AnswerStatus(args["answer_status"]) if "answer_status" in args else None,
        words=tuple(search.words_of(args.get("q") or "")), order=proposals.Order(args["order"]), seed=args["seed"])
    query = proposals.proposal_list(found, filters, viewer=None)
    order = f"{filters.order.value}:{filters.seed}" if filters.order is proposals.Order.RANDOM else filters.order.value
    key = _cursor(args, order, first_is_time=filters.order is proposals.Order.NEWEST)
    if key is not None:
        query = proposals.after(query, filters, key)
    return _keyset_page(query, args["limit"], lambda p: proposals.sort_key(p, filters), order, proposals.rows_of)


@bp.get("/consultations/<int:consultation_id>/comments")
@bp.arguments(Page, location="query")
@bp.response(200, CommentPage)
def consultation_comments(args, consultation_id):
    """The consultation's general discussion, oldest first. Hidden comments never appear."""
    found = _public_consultation(consultation_id)
    return _comment_page(args, public_comments(consultation_id=found.id, proposal_id=None))


@bp.get("/proposals/<int:proposal_id>")
@bp.response(200, ProposalDetailSchema)
def proposal(proposal_id):
    """One proposal, its official answer and the progress of what was promised."""
    return _public_proposal(proposal_id)


@bp.get("/proposals/<int:proposal_id>/comments")
@bp.arguments(Page, location="query")
@bp.response(200, CommentPage)
def proposal_comments(args, proposal_id):
    """A proposal's discussion, oldest first. Hidden comments never appear."""
    found = _public_proposal(proposal_id)
    return _comment_page(args, public_comments(consultation_id=found.consultation_id, proposal_id=found.id))


def _comment_page(args, query) -> dict:
    from engage.comments.models import Comment

    key = _cursor(args, "id")
    if key is not None:
        query = query.where(Comment.id > key[1])
    return _keyset_page(query, args["limit"], lambda c: (c.id, c.id), "id")


# Results, ledger, questionnaires.

@bp.get("/consultations/<int:consultation_id>/results")
@bp.response(200, ResultsSchema)
def consultation_results(consultation_id):
    """The results page's figures: live while voting, final after."""
    found = _public_consultation(consultation_id)
    _results_public(found)
    return figures.results(summary(Scope.of_consultation(found)))


@bp.get("/consultations/<int:consultation_id>/ledger")
@bp.response(200, LedgerHeadSchema)
def consultation_ledger(consultation_id):
    """The head of the consultation's ledger of supports, and where to download it and its checker."""
    found = _public_consultation(consultation_id)
    _results_public(found)
    return figures.ledger_head(found, head(found))


@bp.get("/consultations/<int:consultation_id>/questionnaires")
@bp.response(200, QuestionnaireSchema(many=True))
def consultation_questionnaires(consultation_id):
    """Its published questionnaires."""
    return questionnaires_for(_public_consultation(consultation_id), the_public())


@bp.get("/questionnaires/<int:questionnaire_id>/results")
@bp.response(200, QuestionnaireResultsSchema)
def questionnaire_results(questionnaire_id):
    """A questionnaire's aggregates, once it has closed (free texts are counted, not listed)."""
    questionnaire = questionnaire_for_page(questionnaire_id)
    if questionnaire is None or not can(the_public(), "questionnaire.view", questionnaire):
        raise NotFound(_("There is no public questionnaire with this number."))
    if not can(the_public(), "questionnaire.results", questionnaire):
        raise NotFound(_("The results of this questionnaire are public once it has closed."))
    return figures.questionnaire_results(aggregation.results(questionnaire, texts=0))


def _cacheable(response):
    """An ETag on every successful read under /api, so a client asks again cheaply (304)."""
    if request.path.startswith(PREFIX + "/") and request.method in ("GET", "HEAD") \
            and response.status_code == 200 and not response.direct_passthrough:
        response.add_etag()
        response.headers["Cache-Control"] = "public, max-age=60"
        response.make_conditional(request)
    return response


def _never_html(response):
    """What Werkzeug answers by itself under /api is HTML: the redirect of /api/v1 to /api/v1/
    and the automatic answer to OPTIONS. Both keep their status and headers (Location, Allow)
    and lose the page: a redirect needs no body, and OPTIONS becomes 204 No Content."""
    if request.path.startswith("/api/") and response.mimetype == "text/html" and not response.direct_passthrough:
        if request.method == "OPTIONS" and response.status_code == 200:
            response.status_code = 204
        response.set_data(b"")
        del response.headers["Content-Type"]
    return response


def init_api(app) -> None:
    from engage.extensions import csrf, limiter

    app.config.setdefault("API_TITLE", "Engage Cremona open data")
    app.config.setdefault("API_VERSION", "1.0.0")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": "Public data of Engage Cremona, the participation platform of Masterplan 3C "
                                "(province of Cremona). Read-only; licence CC BY 4.0.",
                 "license": {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}}})
    app.after_request(_cacheable)
    app.after_request(_never_html)
    csrf.exempt(bp)
    limiter.limit(limits.API)(bp)
    api = OpenDataApi(app)
    api.register_blueprint(bp)
    app.extensions["engage_api"] = api


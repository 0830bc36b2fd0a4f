"""What the API returns and accepts, as marshmallow schemas: they dump the same rows the web
pages read, and the OpenAPI document is generated from them, so the two cannot drift apart.

Field names are English and stable; texts come in both languages (`*_it`, `*_en`), since a
client chooses its own. Nobody's account id or e-mail is ever part of a response: authors
appear by the public name they chose, as on the pages.
"""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from engage.accountability.models import AnswerStatus
from engage.consultations.queries import Listing
from engage.proposals.queries import Order, StatusFilter

MAX_LIMIT = 100
MAX_SEED = 2**62


def _values(enum) -> list[str]:
    return [member.value for member in enum]


def _id(description: str) -> fields.Integer:
    return fields.Integer(validate=validate.Range(1, 2**31 - 1), metadata={"description": description})


def _figures():
    from engage.api import figures

    return figures


def link(endpoint: str, **values) -> str:
    """An absolute URL on the public site (PUBLIC_URL), not on whichever host the request came by."""
    from engage.core.urls import path_for, public_url

    return public_url(path_for(endpoint, **values))


class Problem(ma.Schema):
    """RFC 9457 problem details: every error under /api."""

    type = fields.String(metadata={"description": "A URI for the kind of problem; about:blank for plain HTTP errors"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    instance = fields.String()
    errors = fields.Dict(metadata={"description": "Per parameter, what was wrong with it (400 only)"})


# Query parameters.

# Every request with a NUL in it is refused with a 400 before it reaches the API (no keyboard types
# one, and PostgreSQL text cannot hold it); free text says so in the spec, as a pattern.
NO_NUL = validate.Regexp(r"^[^\x00]*$")


class Page(ma.Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(1, MAX_LIMIT),
                           metadata={"description": f"Items per page, 1 to {MAX_LIMIT}"})
    cursor = fields.String(validate=[validate.Length(1, 400), NO_NUL],
                           metadata={"description": "The `next_cursor` of the previous page"})


class ConsultationArgs(ma.Schema):
    listing = fields.String(validate=validate.OneOf(_values(Listing)),
                            metadata={"description": "open: proposals or voting; upcoming; closed: closed or results"})
    priority_point = _id("A priority point id")
    axis = _id("An axis id")
    institution = _id("An institution id")


class ProposalArgs(Page):
    """The web list's filters and orders, by their English names."""

    priority_point = _id("A priority point id")
    comune = _id("A comune id")
    status = fields.String(validate=validate.OneOf(_values(StatusFilter)))
    answer_status = fields.String(validate=validate.OneOf(_values(AnswerStatus)))
    q = fields.String(validate=[validate.Length(max=200), NO_NUL],
                      metadata={"description": "Search words (all must match)"})
    order = fields.String(load_default=Order.NEWEST.value, validate=validate.OneOf(_values(Order)),
                          metadata={"description": "random is the web list's default; give it a seed"})
    seed = fields.Integer(load_default=0, validate=validate.Range(0, MAX_SEED),
                          metadata={"description": "For order=random: the same seed gives the same order"})


# Reference data.

class AxisSchema(ma.Schema):
    id = fields.Integer()
    slug = fields.String()
    title_it = fields.String()
    title_en = fields.String(allow_none=True)
    description_it = fields.String()
    description_en = fields.String(allow_none=True)
    priority_points = fields.Function(lambda axis: [point.id for point in axis.priority_points],
                                      metadata={"description": "Ids of its priority points"})


class PriorityPointSchema(ma.Schema):
    id = fields.Integer()
    number = fields.Integer(metadata={"description": "Its number in Masterplan 3C"})
    slug = fields.String()
    axis_id = fields.Integer()
    title_it = fields.String()
    title_en = fields.String(allow_none=True)
    description_it = fields.String()
    description_en = fields.String(allow_none=True)
    pnrr_missions = fields.String()


class InstitutionSchema(ma.Schema):
    id = fields.Integer()
    slug = fields.String()
    name = fields.String()
    kind = fields.Function(lambda institution: institution.kind.value)
    role_it = fields.String()
    role_en = fields.String(allow_none=True)
    is_lead = fields.Boolean()


class ComuneSchema(ma.Schema):
    id = fields.Integer()
    istat_code = fields.String()
    name = fields.String()
    population = fields.Integer()
    population_year = fields.Integer()


# Consultations.

class LedgerHeadSchema(ma.Schema):
    length = fields.Integer(metadata={"description": "Entries in the ledger"})
    hash = fields.String(metadata={"description": "The last entry's hash (64 zeros while empty)"})
    sealed = fields.Boolean(metadata={"description": "Frozen at publication: no entry can follow"})
    sealed_at = fields.DateTime(allow_none=True)
    csv = fields.String(metadata={"description": "Download of the whole ledger"})
    json = fields.String()
    verifier = fields.String(metadata={"description": "The standalone checker, Python standard library only"})


class ConsultationSchema(ma.Schema):
    id = fields.Integer()
    institution_id = fields.Integer()
    title_it = fields.String()
    title_en = fields.String(allow_none=True)
    summary_it = fields.String()
    summary_en = fields.String(allow_none=True)
    phase = fields.Function(lambda c: c.phase.value, metadata={"description": "upcoming, proposals, voting, closed "
                                                                              "or results"})
    announced_at = fields.DateTime()
    proposals_from = fields.DateTime()
    voting_from = fields.DateTime()
    voting_until = fields.DateTime()
    results_at = fields.DateTime(allow_none=True)
    support_threshold = fields.Integer(metadata={"description": "Supports a proposal needs to be owed an answer"})
    supports_per_participant = fields.Integer(metadata={"description": "0: no limit"})
    answer_days = fields.Integer(metadata={"description": "Days the institution takes to answer, from the vote's end"})
    priority_points = fields.Function(lambda c: [point.id for point in c.priority_points])
    url = fields.Function(lambda c: link("consultations.detail", consultation_id=c.id),
                          metadata={"description": "Its page"})


class ConsultationDetailSchema(ConsultationSchema):
    body_it = fields.String(metadata={"description": "Markdown"})
    body_en = fields.String(allow_none=True)
    ledger = fields.Method("_ledger", allow_none=True,
                           metadata={"description": "The ledger's head (as /ledger), once voting has opened"})
    links = fields.Function(lambda c: _figures().consultation_links(c))

    def _ledger(self, consultation):
        head = _figures().public_ledger(consultation)
        return None if head is None else LedgerHeadSchema().dump(head)


# Proposals and comments.

class MilestoneSchema(ma.Schema):
    reached_on = fields.Date()
    progress = fields.Integer(metadata={"description": "Percent"})
    note_it = fields.String()
    note_en = fields.String(allow_none=True)


class AnswerSchema(ma.Schema):
    status = fields.Function(lambda a: a.status.value, metadata={"enum": _values(AnswerStatus)})
    body_it = fields.String()
    body_en = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()
    cost_estimate = fields.Integer(allow_none=True, metadata={"description": "Euros"})
    responsible_office = fields.String()
    progress = fields.Integer(metadata={"description": "Percent, from the latest milestone"})


class AnswerDetailSchema(AnswerSchema):
    milestones = fields.List(fields.Nested(MilestoneSchema))


class ProposalSchema(ma.Schema):
    """The columns of the proposals download, plus the texts."""

    id = fields.Integer()
    consultation_id = fields.Integer()
    title = fields.String()
    priority_point_id = fields.Integer()
    priority_point = fields.Function(lambda p: p.priority_point.number, metadata={"description": "Its number"})
    comune_id = fields.Integer(allow_none=True)
    comune = fields.Function(lambda p: p.comune.name if p.comune else None, allow_none=True)
    author = fields.Function(lambda p: None if p.is_official or p.author is None else p.author.display_name,
                             allow_none=True, metadata={"description": "The public name; none for an official one"})
    official = fields.Boolean(attribute="is_official", metadata={"description": "Published by the institution"})
    status = fields.Function(lambda p: p.status.value)
    supports = fields.Integer(attribute="support_count")
    comments = fields.Integer(attribute="comment_count")
    created_at = fields.DateTime()
    answer = fields.Nested(AnswerSchema, attribute="official_answer", allow_none=True)
    url = fields.Function(lambda p: link("proposals.detail", proposal_id=p.id), metadata={"description": "Its page"})


class ProposalDetailSchema(ProposalSchema):
    body = fields.String(metadata={"description": "Markdown, as written"})
    answer = fields.Nested(AnswerDetailSchema, attribute="official_answer", allow_none=True)


class CommentSchema(ma.Schema):
    id = fields.Integer()
    consultation_id = fields.Integer()
    proposal_id = fields.Integer(allow_none=True, metadata={"description": "None: the general discussion"})
    parent_id = fields.Integer(allow_none=True)
    author = fields.Function(lambda c: c.author.display_name if c.author else None, allow_none=True)
    stance = fields.Function(lambda c: c.stance.value if c.stance else None, allow_none=True)
    created_at = fields.DateTime()
    body = fields.String(metadata={"description": "Markdown, as written"})


class ProposalPage(ma.Schema):
    items = fields.List(fields.Nested(ProposalSchema))
    next_cursor = fields.String(allow_none=True, metadata={"description": "None on the last page"})
    next = fields.String(allow_none=True, metadata={"description": "The next page's URL"})


class CommentPage(ma.Schema):
    items = fields.List(fields.Nested(CommentSchema))
    next_cursor = fields.String(allow_none=True)
    next = fields.String(allow_none=True)


# Results.

class CountSchema(ma.Schema):
    key = fields.String(allow_none=True)
    label = fields.String(allow_none=True)
    count = fields.Integer()
    extra = fields.Float(allow_none=True)


class RankedSchema(ma.Schema):
    proposal_id = fields.Integer()
    title = fields.String()
    supports = fields.Integer()
    qualifies = fields.Boolean()


class ResultsSchema(ma.Schema):
    """The results page's figures, from the same summary as the page, its exports and the PDF."""

    consultation_id = fields.Integer()
    final = fields.Boolean(metadata={"description": "Voting has ended"})
    participants = fields.Integer()
    proposals = fields.Integer()
    supports = fields.Integer()
    comments = fields.Integer()
    questionnaire_responses = fields.Integer()
    support_threshold = fields.Integer(allow_none=True)
    ranking = fields.List(fields.Nested(RankedSchema))
    by_priority_point = fields.List(fields.Dict())
    by_comune = fields.List(fields.Dict())
    by_age_band = fields.List(fields.Dict())
    answers = fields.Dict(keys=fields.String(), values=fields.Integer(),
                          metadata={"description": "Among proposals owed an answer, per status; none: not yet"})
    overdue_answers = fields.Integer()
    ledger = fields.Nested(LedgerHeadSchema)
    generated_at = fields.DateTime()


class QuestionnaireSchema(ma.Schema):
    id = fields.Integer()
    consultation_id = fields.Integer()
    title_it = fields.String()
    title_en = fields.String(allow_none=True)
    anonymous = fields.Boolean()
    open_phase = fields.Function(lambda q: q.open_phase.value)
    published_at = fields.DateTime()
    closed = fields.Boolean(attribute="is_closed")
    url = fields.Function(lambda q: link("questionnaires.detail", questionnaire_id=q.id))


class QuestionnaireResultsSchema(ma.Schema):
    questionnaire_id = fields.Integer()
    responses = fields.Integer()
    questions = fields.List(fields.Dict())
    by_comune = fields.List(fields.Dict())
    by_age_band = fields.List(fields.Dict())

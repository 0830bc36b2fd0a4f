from __future__ import annotations

import hashlib
import secrets

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engage.core.pagecache import cached_page
from engage.accountability.models import AnswerStatus
from engage.core.params import int_param, page_param
from engage.auth.permissions import Refused, can, require
from engage.comments.forms import CommentForm, ReplyForm
from engage.comments.queries import thread
from engage.comments.views import thread_page
from engage.consultations.queries import consultation_for_page
from engage.core import limits
from engage.core.db import today_in_cremona
from engage.core.forms import ActionForm
from engage.extensions import db
from engage.follows import services as follows
from engage.moderation.models import Moderation
from engage.proposals import queries, search, services
from engage.proposals.forms import ProposalFilterForm, ProposalForm
from engage.proposals.models import Proposal
from engage.territory.models import Comune
from engage.territory.queries import all_comuni
from engage.votes import services as votes
from engage.votes import tally

bp = Blueprint("proposals", __name__)
PER_PAGE = 20


# How many shuffles of the list there are each day: enough that no proposal sits on top for many
# visitors, few enough that each shuffle's pages can be kept in the page cache.
SHUFFLES_A_DAY = 64


def _visitor_seed() -> int:
    """Random order, stable for a visitor for a day: one of the day's shuffles, chosen by a token
    kept in the signed session cookie."""
    if "visitor" not in session:
        session["visitor"] = secrets.token_hex(8)
    day = today_in_cremona().isoformat()
    shuffle = int(hashlib.sha256(f"{session['visitor']}:{day}".encode()).hexdigest()[:15], 16) % SHUFFLES_A_DAY
    return int(hashlib.sha256(f"{shuffle}:{day}".encode()).hexdigest()[:15], 16)


def _shuffle_of_the_page():
    """What the cached list depends on besides its address: the visitor's shuffle, in random order."""
    fixed_orders = {order.value for order in queries.Order if order is not queries.Order.RANDOM}
    return "" if request.args.get("ordine") in fixed_orders else _visitor_seed()


def _filters(form, consultation) -> queries.ProposalFilters:
    return queries.ProposalFilters(
        priority_point_id=int_param(form.punto.data), comune_id=int_param(form.comune.data),
        status=queries.StatusFilter(form.stato.data) if form.stato.data else None,
        answer_status=AnswerStatus(form.risposta.data) if form.risposta.data else None,
        words=tuple(search.words_of(form.q.data or "")),
        order=queries.Order(form.ordine.data or "random"), seed=_visitor_seed())


@bp.get("/consultazioni/<int:consultation_id>/proposte")
@cached_page(variant=lambda: _shuffle_of_the_page())
def index(consultation_id):
    consultation = consultation_for_page(consultation_id) or abort(404)
    require("consultation.view", consultation)
    form = ProposalFilterForm(request.args)
    form.punto.choices = [("", _("All"))] + [(str(p.id), f"{p.number}. {p.localized('title').text}")
                                             for p in consultation.priority_points]
    form.comune.choices = [("", _("All"))] + [(str(c.id), c.name) for c in all_comuni()]
    form.validate()
    for field in form:  # a bad value in one filter drops that filter, not the others
        if field.errors:
            field.data = field.default
    page = queries.page_of(queries.proposal_list(consultation, _filters(form, consultation), current_user),
                           page=page_param(), per_page=PER_PAGE)
    return render_template(
        "proposals/index.html", consultation=consultation, form=form, page=page,
        supported=tally.supported_ids(current_user, [p.id for p in page.items]),
        supports_left=tally.supports_left(current_user, consultation) if current_user.is_authenticated else None,
        action_form=ActionForm())


def _proposal_form(consultation, proposal=None) -> ProposalForm:
    form = ProposalForm()
    form.priority_point.choices = [(p.id, f"{p.number}. {p.localized('title').text}")
                                   for p in consultation.priority_points]
    form.comune.choices = [("", _("None in particular"))] + [(str(c.id), c.name) for c in all_comuni()]
    if request.method == "GET":
        if proposal is not None:
            form.title.data, form.body.data = proposal.title, proposal.body
            form.priority_point.data = proposal.priority_point_id
            form.comune.data = str(proposal.comune_id or "")
        elif current_user.comune_id:
            form.comune.data = str(current_user.comune_id)  # the author's own, by default
    if not can(current_user, "proposal.create_official", consultation):
        del form.official
    return form


def _chosen(form, consultation):
    point = next((p for p in consultation.priority_points if p.id == form.priority_point.data), None)
    comune_id = int_param(form.comune.data)
    comune = db.session.get(Comune, comune_id) if comune_id else None
    return point, comune


@bp.route("/consultazioni/<int:consultation_id>/proposte/nuova", methods=["GET", "POST"])
@login_required
@limits.on_post(limits.PROPOSALS)
def create(consultation_id):
    """Two steps without JavaScript: write, then see similar proposals, then publish."""
    consultation = consultation_for_page(consultation_id) or abort(404)
    require("consultation.view", consultation)
    allowed = (can(current_user, "proposal.create_official", consultation)
               or can(current_user, "proposal.create", consultation))
    if not allowed and request.method == "GET":
        return render_template("refused.html", message=_why_no_proposals(consultation),
                               back=url_for("consultations.detail", consultation_id=consultation.id)), 409
    form = _proposal_form(consultation)
    if not allowed:  # the phase closed while they were writing: keep every word they typed
        form.validate_on_submit()
        form.form_errors.append(_why_no_proposals(consultation))
        return render_template("proposals/create.html", form=form, consultation=consultation,
                               similar=[], step="write"), 409
    similar = []
    if form.validate_on_submit():
        if not form.similar_checked.data or not form.publish.data:
            similar = search.most_similar(consultation.id, f"{form.title.data} {form.body.data}")
            form.similar_checked.data = "1"
            if similar:
                return render_template("proposals/create.html", form=form, consultation=consultation,
                                       similar=similar, step="similar")
        point, comune = _chosen(form, consultation)
        try:
            proposal = services.submit_proposal(
                current_user, consultation, title=form.title.data, body=form.body.data,
                priority_point=point, comune=comune, official=bool(form.official and form.official.data))
        except Refused as refusal:
            form.form_errors.append(refusal.message)
        else:
            db.session.commit()
            flash(_("Your proposal is published.") if proposal.moderation is Moderation.VISIBLE
                  else _("Your proposal has been received and is awaiting review."), "success")
            return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    return render_template("proposals/create.html", form=form, consultation=consultation, similar=similar,
                           step="write"), 422 if form.errors else 200


def _why_no_proposals(consultation) -> str:
    if current_user.is_blocked:
        return _("Your account is blocked: you cannot take part until the block ends.")
    if not current_user.is_confirmed:
        return _("Confirm your e-mail address to take part: we sent you a link.")
    return _("Proposals can be submitted only while the proposals phase is open.")


def _load(proposal_id) -> Proposal:
    proposal = queries.proposal_for_page(proposal_id) or abort(404)
    require("proposal.view", proposal)
    return proposal


def render_detail(proposal, *, comment_form=None, reply_form=None, reply_to=None, status=200):
    """The proposal page; the comments blueprint re-renders it with a refused comment kept."""
    consultation = proposal.consultation
    readable = can(current_user, "content.read", proposal)
    reply_to = reply_to or int_param(request.args.get("rispondi"))
    return render_template(
        "proposals/detail.html", proposal=proposal, consultation=consultation, readable=readable,
        shown_title=proposal.title if readable else _("Proposal not available"),
        thread=thread(consultation_id=consultation.id, proposal_id=proposal.id, viewer=current_user,
                      page=thread_page(reply_to)),
        supported=bool(tally.supported_ids(current_user, [proposal.id])),
        supports_left=tally.supports_left(current_user, consultation) if current_user.is_authenticated else None,
        following=follows.is_following(current_user, proposal=proposal),
        comment_form=comment_form or CommentForm(), reply_form=reply_form or ReplyForm(),
        reply_to=reply_to, action_form=ActionForm()), status


@bp.get("/proposte/<int:proposal_id>")
@cached_page()
def detail(proposal_id):
    return render_detail(_load(proposal_id))


@bp.route("/proposte/<int:proposal_id>/modifica", methods=["GET", "POST"])
@login_required
def edit(proposal_id):
    proposal = _load(proposal_id)
    if request.method == "GET" or proposal.author_id != current_user.id:
        require("proposal.edit", proposal)  # the author's late edit gets its text back instead
    form = _proposal_form(proposal.consultation, proposal)
    if form.validate_on_submit():
        point, comune = _chosen(form, proposal.consultation)
        try:
            services.edit_proposal(current_user, proposal, title=form.title.data, body=form.body.data,
                                   priority_point=point, comune=comune)
        except Refused as refusal:
            form.form_errors.append(refusal.message)
        else:
            db.session.commit()
            flash(_("Your changes are saved."), "success")
            return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    return render_template("proposals/edit.html", form=form, proposal=proposal), 422 if form.errors else 200


def _act(proposal_id, action, success_message):
    """Buttons (withdraw, support, follow): check the token, call the service, say what happened."""
    proposal = queries.proposal_for_action(proposal_id) or abort(404)
    require("proposal.view", proposal)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        action(proposal)
    except Refused as refusal:
        db.session.rollback()
        if request.accept_mimetypes.best == "application/json":
            return jsonify(error=str(refusal.message)), refusal.status
        return render_template("refused.html", message=refusal.message, back=_back(proposal_id)), refusal.status
    if request.accept_mimetypes.best == "application/json":
        # Read before the commit, which would expire them and make each a query again.
        answer = jsonify(supports=proposal.support_count,
                         supports_left=tally.supports_left(current_user, proposal.consultation))
        db.session.commit()
        return answer
    db.session.commit()
    flash(success_message, "success")
    return redirect(_back(proposal_id))


def _back(proposal_id) -> str:
    from engage.core.urls import safe_next

    return safe_next(request.form.get("next"), url_for("proposals.detail", proposal_id=proposal_id))


@bp.post("/proposte/<int:proposal_id>/ritira")
@login_required
def withdraw(proposal_id):
    return _act(proposal_id, lambda p: services.withdraw_proposal(current_user, p),
                _("Your proposal has been withdrawn. It stays visible with its supports."))


@bp.post("/proposte/<int:proposal_id>/sostieni")
@login_required
@limits.on_post(limits.SUPPORTS)
def support(proposal_id):
    return _act(proposal_id, lambda p: votes.support(current_user, p), _("Thank you: you support this proposal."))


@bp.post("/proposte/<int:proposal_id>/togli-sostegno")
@login_required
def withdraw_support(proposal_id):
    return _act(proposal_id, lambda p: votes.withdraw_support(current_user, p),
                _("You no longer support this proposal."))


@bp.post("/proposte/<int:proposal_id>/segui")
@login_required
def follow(proposal_id):
    if request.form.get("follow") == "0":
        return _act(proposal_id, lambda p: follows.unfollow(current_user, proposal=p),
                    _("You no longer follow this proposal."))
    return _act(proposal_id, lambda p: follows.follow(current_user, proposal=p),
                _("You follow this proposal: you will hear when it is answered."))

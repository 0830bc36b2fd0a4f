"""Comment actions. A refused comment comes back in its form, with the text kept."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engage.core.params import int_param, page_param
from engage.auth.permissions import Refused, require
from engage.comments import services
from engage.comments.forms import CommentForm, EditCommentForm, ReplyForm
from engage.comments.models import Comment
from engage.comments.queries import comment_path, page_of
from engage.consultations.models import Consultation
from engage.core import limits
from engage.core.forms import ActionForm
from engage.extensions import db
from engage.moderation.models import Moderation
from engage.proposals import queries as proposal_queries

bp = Blueprint("comments", __name__)


def _parent(form, consultation_id) -> Comment | None:
    if not form.parent_id.data:
        return None
    parent_id = int_param(form.parent_id.data)
    parent = db.session.get(Comment, parent_id) if parent_id else None
    if parent is None or parent.consultation_id != consultation_id:
        abort(400)
    return parent


def _post(consultation, proposal, rerender):
    is_reply = bool(request.form.get("parent_id"))
    form = ReplyForm() if is_reply else CommentForm()
    if form.validate_on_submit():
        try:
            comment = services.post_comment(
                current_user, consultation, body=form.body.data, proposal=proposal,
                parent=_parent(form, consultation.id),
                stance=None if is_reply else form.chosen_stance())
        except Refused as refusal:
            form.form_errors.append(refusal.message)
        else:
            db.session.commit()
            if comment.moderation is Moderation.VISIBLE:
                flash(_("Your comment is published."), "success")
            else:
                flash(_("Your comment has been received and is awaiting review."), "info")
            return redirect(comment_path(comment))
    return rerender(form, is_reply)


@bp.post("/proposte/<int:proposal_id>/commenti")
@login_required
@limits.on_post(limits.COMMENTS)
def on_proposal(proposal_id):
    from engage.proposals.views import render_detail

    proposal = proposal_queries.proposal_for_page(proposal_id) or abort(404)
    require("proposal.view", proposal)

    def rerender(form, is_reply):
        if is_reply:
            return render_detail(proposal, reply_form=form, reply_to=int_param(form.parent_id.data), status=422)
        return render_detail(proposal, comment_form=form, status=422)

    return _post(proposal.consultation, proposal, rerender)


@bp.post("/consultazioni/<int:consultation_id>/commenti")
@login_required
@limits.on_post(limits.COMMENTS)
def on_consultation(consultation_id):
    from engage.consultations.views import discussion

    consultation = db.get_or_404(Consultation, consultation_id)
    require("consultation.view", consultation)

    def rerender(form, is_reply):
        if is_reply:
            return discussion(consultation.id, reply_form=form), 422
        return discussion(consultation.id, comment_form=form), 422

    return _post(consultation, None, rerender)


def thread_page(reply_to: int | None) -> int:
    """The page of the discussion asked for; if none was, the one showing the comment being
    replied to (its reply form must be on the page)."""
    if request.args.get("commenti") or not reply_to:
        return page_param("commenti")
    replied = db.session.get(Comment, reply_to)
    return page_of(replied) if replied is not None else 1


@bp.get("/commenti/<int:comment_id>")
def show(comment_id):
    """A comment's lasting address (links in mails, notifications, the moderation queue): the
    page of its discussion that shows it."""
    comment = db.get_or_404(Comment, comment_id)
    if comment.proposal_id:
        require("proposal.view", comment.proposal)
    else:
        require("consultation.view", comment.consultation)
    return redirect(comment_path(comment))


@bp.route("/commenti/<int:comment_id>/modifica", methods=["GET", "POST"])
@login_required
def edit(comment_id):
    comment = db.get_or_404(Comment, comment_id)
    require("comment.edit", comment)
    form = EditCommentForm(obj=comment)
    if form.validate_on_submit():
        try:
            services.edit_comment(current_user, comment, body=form.body.data)
        except Refused as refusal:
            form.form_errors.append(refusal.message)
        else:
            db.session.commit()
            flash(_("Your comment has been updated."), "success")
            return redirect(comment_path(comment))
    return render_template("comments/edit.html", form=form, comment=comment, back=comment_path(comment)), \
        422 if form.errors else 200


@bp.post("/commenti/<int:comment_id>/elimina")
@login_required
def delete(comment_id):
    comment = db.get_or_404(Comment, comment_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    require("comment.delete", comment)
    services.delete_comment(current_user, comment)
    db.session.commit()
    flash(_("Your comment has been deleted. Replies to it stay visible."), "info")
    return redirect(comment_path(comment))


@bp.post("/commenti/<int:comment_id>/voto")
@login_required
def vote(comment_id):
    comment = db.get_or_404(Comment, comment_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    value = {"up": 1, "down": -1, "none": 0}.get(request.form.get("value", ""))
    if value is None:
        abort(400)
    try:
        services.vote_comment(current_user, comment, value)
    except Refused as refusal:
        return render_template("refused.html", message=refusal.message, back=comment_path(comment)), refusal.status
    db.session.commit()
    return redirect(comment_path(comment))

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from engage.comments.models import BODY_MAX, Stance


def body_field(label, **kwargs) -> TextAreaField:
    return TextAreaField(label, validators=[
        DataRequired(_l("Write something before sending the comment.")),
        Length(max=BODY_MAX, message=_l("A comment can be at most %(max)d characters long.", max=BODY_MAX))],
        **kwargs)


class CommentForm(FlaskForm):
    body = body_field(_l("Your comment"), description=_l("Be respectful. Markdown is allowed."))
    stance = RadioField(_l("Your position"), validators=[Optional()], validate_choice=True,
                        choices=lambda: [(s.value, s.label) for s in Stance])
    parent_id = HiddenField()
    submit = SubmitField(_l("Send comment"))

    def chosen_stance(self) -> Stance | None:
        """None unless a real stance was picked (blank or forged values mean "no stance")."""
        value = (self.stance.data or "").strip()
        return Stance(value) if value in {s.value for s in Stance} else None


class ReplyForm(FlaskForm):
    # Its own id: the reply form sits on the same page as the new-comment form, whose textarea is
    # "body"; with both called "body", the label "Your reply" pointed at the comment box.
    body = body_field(_l("Your reply"), id="reply-body")
    parent_id = HiddenField()
    submit = SubmitField(_l("Reply"))


class EditCommentForm(FlaskForm):
    body = body_field(_l("Your comment"))
    submit = SubmitField(_l("Save comment"))

"""Admin pages. Every route is behind the "admin.access" rule (see `before_request`)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select

from engage.core.params import page_param
from engage.admin.forms import (AxisForm, ConfirmForm, InstitutionForm, OfficerForm,
                                PriorityPointForm, RoleForm, UserSearchForm)
from engage.auth import services as accounts
from engage.auth.models import Role, User
from engage.auth.permissions import require
from engage.core.slugs import slug_taken, slugify
from engage.extensions import db
from engage.institutions import services as institution_services
from engage.institutions.models import Institution, InstitutionKind
from engage.institutions.queries import all_institutions
from engage.masterplan import services as masterplan_services
from engage.masterplan.models import Axis, PriorityPoint
from engage.masterplan.queries import all_axes, axes_with_points

bp = Blueprint("admin", __name__, url_prefix="/admin")
USERS_PER_PAGE = 50


@bp.before_request
def _admins_only():
    require("admin.access")


@bp.get("/")
def index():
    return render_template("admin/index.html")


# Shared shape of the three "edit a bilingual thing" pages.

def _save(form, obj, model, save, slug_source: str, **extra):
    """Validate, check the slug, call the domain service; None means "show the form again"."""
    if not form.validate_on_submit():
        return None
    slug = form.slug.data or slugify(getattr(form, slug_source).data)
    if not slug or slug_taken(model, slug, except_id=obj.id if obj else None):
        form.slug.errors.append(_("This address name is already used: choose another."))
        return None
    fields = {name: (field.data or None) if name.endswith("_en") else field.data
              for name, field in form._fields.items()
              if name not in {"csrf_token", "submit", "slug", *extra}}
    saved = save(obj, slug=slug, **fields, **{k: v() for k, v in extra.items()})
    db.session.commit()
    flash(_("Saved."), "success")
    return saved


def _move(obj, mover, endpoint):
    if ConfirmForm().validate_on_submit():
        mover(obj, -1 if request.form.get("direction") == "up" else 1)
        db.session.commit()
    return redirect(url_for(endpoint))


@bp.get("/assi")
def axes():
    return render_template("admin/axes.html", axes=all_axes(), move_form=ConfirmForm())


@bp.route("/assi/nuovo", methods=["GET", "POST"], defaults={"axis_id": None})
@bp.route("/assi/<int:axis_id>", methods=["GET", "POST"])
def edit_axis(axis_id):
    axis = db.get_or_404(Axis, axis_id) if axis_id else None
    form = AxisForm(obj=axis)
    if _save(form, axis, Axis, masterplan_services.save_axis, "title_it"):
        return redirect(url_for("admin.axes"))
    return render_template("admin/edit_axis.html", form=form, axis=axis), 422 if form.errors else 200


@bp.post("/assi/<int:axis_id>/sposta")
def move_axis(axis_id):
    return _move(db.get_or_404(Axis, axis_id), masterplan_services.move_axis, "admin.axes")


@bp.get("/punti")
def priority_points():
    return render_template("admin/priority_points.html", axes=axes_with_points(),
                           move_form=ConfirmForm())


@bp.route("/punti/nuovo", methods=["GET", "POST"], defaults={"point_id": None})
@bp.route("/punti/<int:point_id>", methods=["GET", "POST"])
def edit_priority_point(point_id):
    point = db.get_or_404(PriorityPoint, point_id) if point_id else None
    form = PriorityPointForm(obj=point)
    form.axis.choices = [(str(a.id), a.title_it) for a in all_axes()]
    institutions = all_institutions()
    form.institutions.choices = [(i.id, i.name) for i in institutions]
    if request.method == "GET" and point is not None:
        form.axis.data = str(point.axis_id)
        form.institutions.data = [i.id for i in point.institutions]
    chosen = {i.id: i for i in institutions}
    saved = _save(form, point, PriorityPoint, masterplan_services.save_priority_point, "title_it",
                  axis=lambda: db.session.get(Axis, int(form.axis.data)),
                  institutions=lambda: [chosen[i] for i in form.institutions.data])
    if saved:
        return redirect(url_for("admin.priority_points"))
    return render_template("admin/edit_priority_point.html", form=form, point=point), \
        422 if form.errors else 200


@bp.post("/punti/<int:point_id>/sposta")
def move_priority_point(point_id):
    return _move(db.get_or_404(PriorityPoint, point_id), masterplan_services.move_priority_point,
                 "admin.priority_points")


@bp.get("/enti")
def institutions():
    return render_template("admin/institutions.html", institutions=all_institutions(),
                           move_form=ConfirmForm())


@bp.route("/enti/nuovo", methods=["GET", "POST"], defaults={"institution_id": None})
@bp.route("/enti/<int:institution_id>", methods=["GET", "POST"])
def edit_institution(institution_id):
    institution = db.get_or_404(Institution, institution_id) if institution_id else None
    form = InstitutionForm(obj=institution)
    if request.method == "GET" and institution is not None:
        form.kind.data = institution.kind.value
    saved = _save(form, institution, Institution, institution_services.save_institution, "name",
                  kind=lambda: InstitutionKind(form.kind.data))
    if saved:
        return redirect(url_for("admin.institutions"))
    return render_template("admin/edit_institution.html", form=form, institution=institution), \
        422 if form.errors else 200


@bp.post("/enti/<int:institution_id>/sposta")
def move_institution(institution_id):
    return _move(db.get_or_404(Institution, institution_id),
                 institution_services.move_institution, "admin.institutions")


@bp.get("/utenti")
def users():
    form = UserSearchForm(request.args)
    page = page_param("page")
    query = select(User).order_by(User.created_at.desc(), User.id.desc())
    if form.validate() and form.q.data:
        term = f"%{form.q.data.strip().lower()}%"
        query = query.where(or_(User.email.like(term), User.display_name_key.like(term)))
    users_page = db.paginate(query, page=page, per_page=USERS_PER_PAGE, error_out=False)
    return render_template("admin/users.html", form=form, users=users_page)


@bp.get("/utenti/<int:user_id>")
def user(user_id):
    target = db.get_or_404(User, user_id)
    role_form = RoleForm(role=target.role.value)
    officer_form = OfficerForm()
    officer_form.institution.choices = [(i.id, i.name) for i in all_institutions()]
    return render_template("admin/user.html", target=target, role_form=role_form,
                           officer_form=officer_form, remove_form=ConfirmForm())


@bp.post("/utenti/<int:user_id>/ruolo")
def set_role(user_id):
    target = db.get_or_404(User, user_id)
    require("user.grant_roles", target)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            accounts.set_role(target, Role(form.role.data))
        except accounts.AccountError as error:
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("The role of %(name)s is now: %(role)s.", name=target.display_name,
                    role=target.role.label), "success")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.post("/utenti/<int:user_id>/enti")
def add_officer(user_id):
    target = db.get_or_404(User, user_id)
    require("user.grant_roles", target)
    form = OfficerForm()
    form.institution.choices = [(i.id, i.name) for i in all_institutions()]
    if form.validate_on_submit():
        institution = db.session.get(Institution, form.institution.data) or abort(400)
        accounts.add_officer(target, institution)
        db.session.commit()
        flash(_("%(name)s is now an officer of %(institution)s.", name=target.display_name,
                institution=institution.name), "success")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.post("/utenti/<int:user_id>/enti/<int:institution_id>/rimuovi")
def remove_officer(user_id, institution_id):
    target = db.get_or_404(User, user_id)
    institution = db.get_or_404(Institution, institution_id)
    require("user.grant_roles", target)
    if ConfirmForm().validate_on_submit() and accounts.remove_officer(target, institution):
        db.session.commit()
        flash(_("%(name)s is no longer an officer of %(institution)s.", name=target.display_name,
                institution=institution.name), "success")
    return redirect(url_for("admin.user", user_id=target.id))


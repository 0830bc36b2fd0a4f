"""The comune filter renders its 113 options from a cache: the HTML must be exactly what WTForms
itself would write, with the visitor's choice selected and names escaped."""
from wtforms.widgets import Select

from engage.proposals.forms import ProposalFilterForm


def test_the_cached_select_writes_the_same_html_as_wtforms(app):
    choices = [("", "All")] + [(str(i), f"Comune <{i}> & \"co\"") for i in range(1, 120)]
    for chosen in ("", "7", "119"):
        with app.test_request_context(f"/?comune={chosen}"):
            from flask import request

            form = ProposalFilterForm(formdata=request.args)
            form.comune.choices = choices
            cached = str(form.comune(class_="form-select"))
            assert cached == str(Select()(form.comune, class_="form-select"))
            assert cached.count("selected") == 1
            assert "&lt;7&gt; &amp;" in cached


def test_a_different_list_is_not_served_from_the_cache(app):
    with app.test_request_context("/?comune=1"):
        from flask import request

        form = ProposalFilterForm(formdata=request.args)
        form.comune.choices = [("1", "Crema")]
        first = str(form.comune())
        form.comune.choices = [("1", "Cremona")]
        assert "Cremona" in str(form.comune()) and "Crema<" in first

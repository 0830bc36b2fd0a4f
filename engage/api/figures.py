"""The results page's and the questionnaire page's figures as plain data for the API: the same
`Summary` and `Results` objects the pages, exports and PDF are made from, only written out."""
from __future__ import annotations

from engage.core.db import utcnow
from engage.questionnaires.aggregation import Results
from engage.results.summary import Summary


def ledger_head(consultation, head) -> dict:
    from engage.api.schemas import link

    return {"length": head.length, "hash": head.hash, "sealed": head.sealed, "sealed_at": head.sealed_at,
            "csv": link("ledger.ledger_csv", consultation_id=consultation.id),
            "json": link("ledger.ledger_json", consultation_id=consultation.id),
            "verifier": link("ledger.verifier")}


def public_ledger(consultation) -> dict | None:
    """The head is shown where the results are: once voting opens."""
    from engage.auth.permissions import can, the_public
    from engage.ledger.queries import head

    if not can(the_public(), "results.view", consultation):
        return None
    return ledger_head(consultation, head(consultation))


def consultation_links(consultation) -> dict:
    from engage.api.schemas import link
    from engage.auth.permissions import can, the_public

    links = {"proposals": link("api.consultation_proposals", consultation_id=consultation.id),
             "comments": link("api.consultation_comments", consultation_id=consultation.id),
             "questionnaires": link("api.consultation_questionnaires", consultation_id=consultation.id)}
    for table, name in (("proposte", "proposals"), ("commenti", "comments")):
        for fmt in ("csv", "json"):
            links[f"{name}_{fmt}"] = link("opendata.download", consultation_id=consultation.id, table=table, fmt=fmt)
    if can(the_public(), "results.view", consultation):
        links["results"] = link("api.consultation_results", consultation_id=consultation.id)
        links["ledger"] = link("api.consultation_ledger", consultation_id=consultation.id)
    return links


def results(figures: Summary) -> dict:
    consultation = figures.scope.target
    return {
        "consultation_id": consultation.id,
        "final": consultation.voting_until <= utcnow(),
        "participants": figures.participants, "proposals": figures.proposals, "supports": figures.supports,
        "comments": figures.comments, "questionnaire_responses": figures.questionnaire_responses,
        "support_threshold": figures.threshold,
        "ranking": [{"proposal_id": r.proposal.id, "title": r.proposal.title, "supports": r.supports,
                     "qualifies": r.qualifies} for r in figures.ranking],
        "by_priority_point": [{"priority_point_id": point.id, "number": point.number, "proposals": proposals,
                               "supports": supports} for point, proposals, supports in figures.by_point],
        "by_comune": [{"istat_code": comune.istat_code if comune else None, "comune": comune.name if comune else None,
                       "participants": count, "per_thousand_inhabitants": rate}
                      for comune, count, rate in figures.by_comune],
        "by_age_band": [{"age_band": band.value if band else None, "participants": count, "percent": share}
                        for band, count, share in figures.by_age],
        "answers": {status.value if status else "none": count for status, count in figures.answers.items()},
        "overdue_answers": figures.overdue,
        "ledger": ledger_head(consultation, figures.ledger) if figures.ledger is not None else None,
        "generated_at": figures.generated_at,
    }


def questionnaire_results(figures: Results) -> dict:
    questions = []
    for result in figures.questions:
        question = result.question
        entry = {"question_id": question.id, "kind": question.kind.value, "text_it": question.text_it,
                 "text_en": question.text_en, "respondents": result.respondents}
        if result.options:
            entry["options"] = [{"option_id": None if figure.option is None else figure.option.id,
                                 "label_it": figure.option.label_it if figure.option else None,
                                 "label_en": figure.option.label_en if figure.option else None,
                                 "other": figure.option is None, "count": figure.count, "percent": figure.percent,
                                 "borda_points": figure.points, "mean_rank": figure.mean_rank}
                                for figure in result.options]
        if result.scale is not None:
            entry["scale"] = {"distribution": [{"value": value, "count": count, "percent": share}
                                               for value, count, share in result.scale.distribution],
                              "mean": result.scale.mean, "median": result.scale.median}
        if question.kind.is_text:
            entry["texts"] = result.text_count  # how many; the words are on the questionnaire's page
        questions.append(entry)
    return {
        "questionnaire_id": figures.questionnaire.id, "responses": figures.responses, "questions": questions,
        "by_comune": [{"istat_code": f.comune.istat_code if f.comune else None,
                       "comune": f.comune.name if f.comune else None, "respondents": f.respondents,
                       "per_thousand_inhabitants": f.per_thousand} for f in figures.by_comune],
        "by_age_band": [{"age_band": band.value if band else None, "respondents": count, "percent": share}
                        for band, count, share in figures.by_age],
    }


QUESTIONNAIRE_COLUMNS = ["questionnaire_id", "question_id", "kind", "question_it", "question_en", "respondents",
                         "answer", "answer_it", "answer_en", "count", "percent", "borda_points", "mean_rank",
                         "mean", "median"]


def questionnaire_rows(consultation) -> tuple[list[str], list[list]]:
    """The aggregates of a consultation's questionnaires that are public (closed), one row per
    option, scale value or question of free text: exactly the API's `questionnaire_results`,
    flattened for the bulk download. Single responses and the texts themselves never appear."""
    from engage.auth.permissions import can, the_public
    from engage.questionnaires import aggregation
    from engage.questionnaires.queries import questionnaires_for

    rows = []
    for questionnaire in questionnaires_for(consultation, the_public()):
        if not can(the_public(), "questionnaire.results", questionnaire):
            continue
        figures = questionnaire_results(aggregation.results(questionnaire, texts=0))
        for question in figures["questions"]:
            start = [figures["questionnaire_id"], question["question_id"], question["kind"], question["text_it"],
                     question["text_en"] or "", question["respondents"]]
            for option in question.get("options", []):
                rows.append([*start, "other" if option["other"] else option["option_id"], option["label_it"] or "",
                             option["label_en"] or "", option["count"], option["percent"],
                             _blank(option["borda_points"]), _blank(option["mean_rank"]), "", ""])
            scale = question.get("scale")
            for value in (scale or {}).get("distribution", []):
                rows.append([*start, value["value"], "", "", value["count"], value["percent"], "", "",
                             _blank(scale["mean"]), _blank(scale["median"])])
            if "texts" in question:
                rows.append([*start, "texts", "", "", question["texts"], "", "", "", "", ""])
    return QUESTIONNAIRE_COLUMNS, rows


def _blank(value):
    return "" if value is None else value

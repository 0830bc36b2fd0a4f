"""A questionnaire with one question of every kind, for the security walks (kept apart from
tests/questionnaires so that their fixtures can change without moving these)."""
from __future__ import annotations

from engage.auth.models import Role
from engage.consultations.phases import Phase
from engage.extensions import db
from engage.questionnaires import services
from engage.questionnaires.models import QuestionKind as K
from tests.factories import make_user

QUESTIONS = [  # section, single, multiple, scale, ranking, short text, long text
    (K.SECTION, "Sezione", {}),
    (K.SINGLE, "Come ti sposti?", {"required": True, "has_other": True,
                                   "options": [("A piedi", None), ("In bici", None)]}),
    (K.MULTIPLE, "Quali servizi usi?", {"min_choices": 1, "max_choices": 2,
                                        "options": [("Biblioteca", None), ("Piscina", None), ("Teatro", None)]}),
    (K.SCALE, "Quanto sei soddisfatto?", {"required": True, "low_label_it": "Poco", "high_label_it": "Molto"}),
    (K.RANKING, "Ordina le priorità", {"options": [("Scuole", None), ("Strade", None), ("Verde", None)]}),
    (K.SHORT_TEXT, "Il tuo quartiere", {}),
    (K.LONG_TEXT, "Un suggerimento", {}),
]


def make_questionnaire(consultation, *, published: bool = True):
    admin = make_user(Role.ADMIN)
    questionnaire = services.create_questionnaire(admin, consultation, title_it="Questionario",
                                                  intro_it="", open_phase=Phase.PROPOSALS, anonymous=False)
    for kind, text, extra in QUESTIONS:
        services.add_question(admin, questionnaire, kind, text_it=text, **extra)
    if published:
        services.publish(admin, questionnaire)
    db.session.flush()
    return questionnaire

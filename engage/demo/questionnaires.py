"""Demo questionnaires: one open now, one open during voting, a closed anonymous one with
public results, and a draft only staff see. Built and answered through the real services."""
from __future__ import annotations

from engage.consultations.phases import Phase
from engage.questionnaires import services
from engage.questionnaires.models import QuestionKind as K
from engage.questionnaires.services import Given

OTHER = "other"

ENERGY_HOME = {
    "title_it": "La tua casa e l'energia", "title_en": "Your home and energy",
    "intro_it": "Cinque minuti per capire come le famiglie usano l'energia e cosa le convincerebbe a entrare "
                "in una comunità energetica. Puoi salvare una bozza e finire più tardi.",
    "intro_en": "Five minutes to understand how households use energy and what would convince them to join "
                "an energy community. You can save a draft and finish later.",
    "open_phase": Phase.PROPOSALS, "anonymous": False,
    "questions": [
        (K.SECTION, "La tua abitazione", "Your home", {}),
        (K.SINGLE, "In che tipo di abitazione vivi?", "What kind of home do you live in?", {
            "required": True, "has_other": True,
            "options": [("Casa indipendente", "Detached house"), ("Condominio", "Block of flats"),
                        ("Cascina o casa rurale", "Farmhouse")]}),
        (K.MULTIPLE, "Cosa hai già installato?", "What have you already installed?", {
            "max_choices": 3,
            "options": [("Pannelli fotovoltaici", "Solar panels"), ("Pompa di calore", "Heat pump"),
                        ("Cappotto termico", "External insulation"), ("Nessuno di questi", "None of these")]}),
        (K.SECTION, "La comunità energetica", "The energy community", {}),
        (K.SCALE, "Quanto ti interessa entrare in una comunità energetica?",
         "How interested are you in joining an energy community?", {
             "required": True, "low_label_it": "Per nulla", "low_label_en": "Not at all",
             "high_label_it": "Moltissimo", "high_label_en": "Very much"}),
        (K.RANKING, "Ordina i motivi per cui aderiresti", "Rank your reasons to join", {
            "options": [("Risparmiare in bolletta", "Lower bills"), ("Ridurre le emissioni", "Lower emissions"),
                        ("Aiutare il mio comune", "Help my town")]}),
        (K.LONG_TEXT, "Cosa ti frena, se qualcosa ti frena?", "What holds you back, if anything?", {}),
    ],
    "responses": [
        ("Anna di Soresina", {1: "Casa indipendente", 2: ["Pannelli fotovoltaici"], 4: 5,
                              5: ["Risparmiare in bolletta", "Aiutare il mio comune", "Ridurre le emissioni"],
                              6: "Non so a chi rivolgermi per le pratiche."}),
        ("Giovanni Torrazzo", {1: "Condominio", 2: ["Nessuno di questi"], 4: 2,
                               5: ["Risparmiare in bolletta", "Ridurre le emissioni", "Aiutare il mio comune"],
                               6: "In condominio serve l'accordo di tutti."}),
        ("Elena Adda", {1: (OTHER, "Appartamento in una corte"), 2: ["Cappotto termico", "Pompa di calore"],
                        4: 4, 5: ["Ridurre le emissioni", "Risparmiare in bolletta", "Aiutare il mio comune"]}),
        ("Paolo Oglio", {1: "Cascina o casa rurale", 2: ["Pannelli fotovoltaici", "Pompa di calore"], 4: 5,
                         5: ["Aiutare il mio comune", "Risparmiare in bolletta", "Ridurre le emissioni"],
                         6: "Niente, vorrei partire subito."}),
    ],
    "drafts": [("Marco sul Serio", {1: "Condominio"})],
}

CYCLING_HABITS = {
    "title_it": "Come ti sposti ogni giorno", "title_en": "How you get around every day",
    "intro_it": "Aiutaci a capire quali tratte ciclabili servirebbero di più.",
    "intro_en": "Help us understand which cycle routes would be used most.",
    "open_phase": Phase.VOTING, "anonymous": False,
    "questions": [
        (K.SINGLE, "Come vai di solito al lavoro o a scuola?", "How do you usually get to work or school?", {
            "required": True,
            "options": [("In auto", "By car"), ("In bicicletta", "By bike"), ("In treno o autobus", "By train or bus"),
                        ("A piedi", "On foot")]}),
        (K.SCALE, "Quanto ti senti sicuro in bicicletta sulle strade provinciali?",
         "How safe do you feel cycling on provincial roads?", {
             "low_label_it": "Per nulla", "low_label_en": "Not at all",
             "high_label_it": "Del tutto", "high_label_en": "Completely"}),
        (K.SHORT_TEXT, "Il tratto più pericoloso che conosci", "The most dangerous stretch you know", {}),
    ],
    "responses": [
        ("Chiara in bici", {0: "In bicicletta", 1: 2, 2: "Rotonda di Castelverde"}),
        ("Marco sul Serio", {0: "In treno o autobus", 1: 1, 2: "Ex statale tra Crema e Pandino"}),
        ("Luca Po", {0: "In auto", 1: 3}),
    ],
}

CULTURE_EVENTS = {
    "title_it": "Cultura vicino a casa", "title_en": "Culture close to home",
    "intro_it": "Questionario anonimo sugli eventi culturali nei quartieri. È chiuso: i risultati sono pubblici.",
    "intro_en": "An anonymous questionnaire about cultural events in the neighbourhoods. It is closed: the "
                "results are public.",
    "open_phase": Phase.PROPOSALS, "anonymous": True,
    "questions": [
        (K.MULTIPLE, "Quali eventi frequenti?", "Which events do you go to?", {
            "required": True, "min_choices": 1, "has_other": True,
            "options": [("Concerti", "Concerts"), ("Mostre", "Exhibitions"),
                        ("Visite alle botteghe", "Workshop visits"), ("Teatro", "Theatre")]}),
        (K.SCALE, "Quanto è facile raggiungere gli eventi dal tuo quartiere?",
         "How easy is it to reach events from your neighbourhood?", {
             "required": True, "low_label_it": "Difficilissimo", "low_label_en": "Very hard",
             "high_label_it": "Facilissimo", "high_label_en": "Very easy"}),
        (K.RANKING, "Dove vorresti più eventi?", "Where would you like more events?", {
            "options": [("Cortili e piazze di quartiere", "Courtyards and local squares"),
                        ("Centro storico", "Old town"), ("Parchi", "Parks"), ("Biblioteche", "Libraries")]}),
        (K.LONG_TEXT, "Un'idea per il prossimo anno", "An idea for next year", {}),
    ],
    "responses": [
        ("Giovanni Torrazzo", {0: ["Concerti", "Visite alle botteghe"], 1: 4,
                               2: ["Centro storico", "Cortili e piazze di quartiere", "Parchi", "Biblioteche"],
                               3: "Una notte dei liutai con le botteghe aperte fino a tardi."}),
        ("Chiara in bici", {0: ["Concerti", (OTHER, "Cinema all'aperto")], 1: 2,
                            2: ["Parchi", "Cortili e piazze di quartiere", "Biblioteche", "Centro storico"],
                            3: "Concerti nei parchi con navetta dalle frazioni."}),
        ("Luca Po", {0: ["Teatro"], 1: 3,
                     2: ["Cortili e piazze di quartiere", "Parchi", "Centro storico", "Biblioteche"],
                     3: "Gli eventi culturali sono una perdita di soldi, chi li organizza è un incapace."}),
        ("Sara Viadana", {0: ["Mostre", "Concerti"], 1: 1,
                          2: ["Biblioteche", "Cortili e piazze di quartiere", "Parchi", "Centro storico"]}),
        ("Marco sul Serio", {0: ["Visite alle botteghe"], 1: 5}),
        ("cittadina@example.org", {0: ["Concerti", "Teatro"], 1: 3,
                                   2: ["Cortili e piazze di quartiere", "Centro storico", "Biblioteche", "Parchi"],
                                   3: "Più eventi la domenica pomeriggio per le famiglie."}),
    ],
}

DIGITAL_DRAFT = {
    "title_it": "Servizi online che usi (bozza)", "title_en": "Online services you use (draft)",
    "intro_it": "In preparazione: lo vedono solo i referenti finché non è pubblicato.", "intro_en": None,
    "open_phase": Phase.PROPOSALS, "anonymous": False, "published": False,
    "questions": [
        (K.MULTIPLE, "Quali servizi online del comune hai usato?", "Which online council services have you used?", {
            "options": [("Anagrafe", "Registry office"), ("Tributi", "Local taxes"), ("Scuola", "School services")]}),
    ],
    "responses": [],
}

# Consultation title (Italian) -> its questionnaires.
BY_CONSULTATION = {
    "Comunità energetiche rinnovabili nei piccoli comuni": [ENERGY_HOME],
    "Piste ciclabili tra i comuni del territorio": [CYCLING_HABITS],
    "Cultura e liuteria: eventi diffusi in città": [CULTURE_EVENTS],
    "Servizi digitali dei comuni: cosa migliorare": [DIGITAL_DRAFT],
}


def seed_questionnaires(officer, consultation, people, *, phase: Phase) -> None:
    """Called while the consultation passes through `phase`: questionnaires that open in it
    are built (and answered) now; drafts are built whenever the consultation is made."""
    for spec in BY_CONSULTATION.get(consultation.title_it, []):
        if spec["open_phase"] is not phase:
            continue
        questionnaire = services.create_questionnaire(
            officer, consultation, title_it=spec["title_it"], title_en=spec["title_en"],
            intro_it=spec["intro_it"], intro_en=spec["intro_en"], open_phase=spec["open_phase"],
            anonymous=spec["anonymous"])
        for kind, text_it, text_en, extra in spec["questions"]:
            services.add_question(officer, questionnaire, kind, text_it=text_it, text_en=text_en, **extra)
        if not spec.get("published", True):
            continue
        services.publish(officer, questionnaire)
        for name, answers in spec["responses"]:
            services.save_response(people[name], questionnaire, _given(questionnaire, answers), submit=True)
        for name, answers in spec.get("drafts", []):
            services.save_response(people[name], questionnaire, _given(questionnaire, answers), submit=False)


def _given(questionnaire, answers: dict) -> dict:
    """Demo answers by question position and option label, as the services take them."""
    questions = questionnaire.questions
    given = {}
    for index, value in answers.items():
        question = questions[index]
        by_label = {o.label_it: o.id for o in question.options}
        if question.kind.is_text:
            given[question.id] = Given(text=value)
        elif question.kind is K.SCALE:
            given[question.id] = Given(value=value)
        else:
            values = value if isinstance(value, list) else [value]
            other = next((v[1] for v in values if isinstance(v, tuple)), None)
            given[question.id] = Given(option_ids=[by_label[v] for v in values if not isinstance(v, tuple)],
                                       other=other)
    return given

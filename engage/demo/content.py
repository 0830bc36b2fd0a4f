"""Demo consultations in every phase, with proposals, supports and comments.

Everything goes through the real services (submit, support, comment, move phase), so the demo
obeys the same rules as real use. Texts are invented for the demo.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engage.auth import services as accounts
from engage.auth.models import AgeBand, User
from engage.auth.permissions import Refused
from engage.comments import services as comments
from engage.comments.models import Stance
from engage.consultations import services as consultations
from engage.consultations.models import Consultation
from engage.consultations.phases import Phase
from engage.core.db import utcnow
from engage.demo.questionnaires import seed_questionnaires
from engage.demo.seed import demo_user
from engage.extensions import db
from engage.institutions.models import Institution
from engage.masterplan.models import PriorityPoint
from engage.proposals import services as proposals
from engage.territory.models import Comune
from engage.votes import services as votes

EXTRA_CITIZENS = (  # public name, comune, age band
    ("Marco sul Serio", "Crema", AgeBand.FROM_30_TO_44),
    ("Anna di Soresina", "Soresina", AgeBand.FROM_45_TO_64),
    ("Giovanni Torrazzo", "Cremona", AgeBand.OVER_65),
    ("Chiara in bici", "Pandino", AgeBand.FROM_18_TO_29),
    ("Paolo Oglio", "Casalmaggiore", AgeBand.FROM_45_TO_64),
    ("Sara Viadana", "Piadena Drizzona", AgeBand.FROM_18_TO_29),
    ("Luca Po", "Cremona", AgeBand.FROM_30_TO_44),
    ("Elena Adda", "Rivolta d'Adda", None),
)

CONSULTATIONS = [
    {
        "institution": "provincia-cremona", "points": [12], "phase": Phase.VOTING,
        "title_it": "Piste ciclabili tra i comuni del territorio",
        "title_en": "Cycle paths between the province's towns",
        "summary_it": "Quali collegamenti ciclabili tra i comuni realizzare per primi? Proponi e sostieni le tratte più utili.",
        "summary_en": "Which cycle links between towns should be built first? Propose and support the most useful routes.",
        "body_it": "La Provincia sta aggiornando il piano della **mobilità dolce**. Con questa consultazione "
                   "raccogliamo le tratte che servono di più a chi va a scuola, al lavoro o in stazione.\n\n"
                   "- indica i comuni da collegare;\n- spiega chi userebbe il percorso;\n- segnala i punti pericolosi.",
        "supports_per_participant": 3, "support_threshold": 5,
        "proposals": [
            ("Collegare Crema e Pandino lungo la ex statale", "Una ciclabile protetta di circa 10 km tra Crema e Pandino, "
             "oggi percorribile solo su strada trafficata. La userebbero studenti e pendolari.", "cittadina@example.org", "Crema"),
            ("Ciclabile Cremona–Castelverde per gli studenti", "Molti ragazzi di Castelverde vanno a scuola a Cremona in "
             "bici su una strada senza banchina. Serve un percorso separato.", "Chiara in bici", "Castelverde"),
            ("Portabici sicuri nelle stazioni", "Rastrelliere coperte e videosorvegliate nelle stazioni di Cremona, Crema "
             "e Casalmaggiore, per chi combina bici e treno.", "Marco sul Serio", "Cremona"),
            ("Anello ciclabile lungo il Po a Casalmaggiore", "Sistemare l'argine per un anello ciclabile che unisca il "
             "centro alle golene: utile per il turismo e per chi si allena.", "Paolo Oglio", "Casalmaggiore"),
        ],
        "supports": {0: 7, 1: 5, 2: 2, 3: 1},
        "comments": [
            (0, "Anna di Soresina", Stance.IN_FAVOUR, "La uso già in auto ogni giorno: in bici sarebbe più veloce nelle ore di punta.",
             [("Marco sul Serio", "Concordo, e servirebbe anche l'illuminazione nel tratto agricolo.",
               [("Chiara in bici", "Sì, d'inverno alle 17 è già buio.", [])])]),
            (0, "Giovanni Torrazzo", Stance.AGAINST, "Prima sistemerei le strade esistenti: i soldi sono pochi.", []),
            (1, "Luca Po", Stance.NEUTRAL, "Bisognerebbe sapere quanti studenti la userebbero davvero.", []),
        ],
    },
    {
        "institution": "provincia-cremona", "points": [5, 13], "phase": Phase.PROPOSALS,
        "title_it": "Comunità energetiche rinnovabili nei piccoli comuni",
        "title_en": "Renewable energy communities in small towns",
        "summary_it": "Come aiutare cittadini, imprese e comuni a creare comunità energetiche? Le proposte sono aperte.",
        "summary_en": "How can residents, businesses and councils set up energy communities? Proposals are open.",
        "body_it": "Le **Comunità Energetiche Rinnovabili (CER)** permettono di condividere l'energia prodotta "
                   "localmente. Cerchiamo idee su informazione, aree idonee e coinvolgimento delle famiglie.",
        "supports_per_participant": 5, "support_threshold": 10, "proposals_per_participant": 2,
        "proposals": [
            ("Sportello CER unico per i comuni sotto i 3.000 abitanti", "Un ufficio provinciale che aiuti i piccoli "
             "comuni con statuto, bandi e allacciamenti, invece di lasciarli soli.", "Anna di Soresina", "Soresina"),
            ("Pannelli sui tetti delle scuole", "Usare i tetti delle scuole come primo impianto di ogni comunità energetica.",
             "Giovanni Torrazzo", "Cremona"),
        ],
        "supports": {}, "comments": [
            (0, "Elena Adda", Stance.IN_FAVOUR, "Ottima idea: il nostro comune non ha un tecnico dedicato.", []),
        ],
        # A general discussion long enough to come in pages (fifty threads each).
        "general_discussion": 56,
    },
    {
        "institution": "comune-cremona", "points": [9, 2], "phase": Phase.CLOSED,
        "title_it": "Giovani e lavoro: perché restare a Cremona",
        "title_en": "Young people and jobs: why stay in Cremona",
        "summary_it": "Due giovani su tre vedono il proprio futuro lontano da Cremona. Cosa li farebbe restare?",
        "summary_en": "Two young people in three see their future away from Cremona. What would make them stay?",
        "body_it": "La consultazione è chiusa: il Comune sta esaminando le proposte più sostenute.",
        "supports_per_participant": 0, "support_threshold": 4,
        "proposals": [
            ("Tirocini pagati nelle imprese del territorio", "Un accordo tra Comune, associazioni di categoria e imprese "
             "per tirocini retribuiti rivolti a diplomati e laureati.", "Sara Viadana", "Piadena Drizzona"),
            ("Spazi di coworking per chi lavora da remoto", "Riaprire edifici comunali inutilizzati come coworking a "
             "prezzi bassi, per chi lavora per aziende lontane ma vuole vivere qui.", "Luca Po", "Cremona"),
            ("Una fiera annuale del lavoro giovane", "Un evento a CremonaFiere dove imprese e ITS incontrano i ragazzi.",
             "cittadina@example.org", "Casalmaggiore"),
        ],
        "supports": {0: 6, 1: 4, 2: 1}, "comments": [],
    },
    {
        "institution": "comune-cremona", "points": [10], "phase": Phase.RESULTS,
        "title_it": "Cultura e liuteria: eventi diffusi in città",
        "title_en": "Culture and violin-making: events across the city",
        "summary_it": "Idee per portare la musica e la liuteria nei quartieri. I risultati sono pubblicati.",
        "summary_en": "Ideas to bring music and violin-making to every neighbourhood. Results are published.",
        "body_it": "Grazie a chi ha partecipato: le proposte più sostenute passano ora alla valutazione degli uffici.",
        "supports_per_participant": 2, "support_threshold": 3,
        "proposals": [
            ("Botteghe dei liutai aperte la domenica", "Un calendario di aperture delle botteghe per cittadini e turisti.",
             "Giovanni Torrazzo", "Cremona"),
            ("Concerti nei cortili dei quartieri", "Piccoli concerti estivi nei cortili, fuori dal centro storico.",
             "Chiara in bici", "Cremona"),
        ],
        "supports": {0: 4, 1: 3}, "comments": [],
    },
    {
        "institution": "provincia-cremona", "points": [7], "phase": Phase.UPCOMING,
        "title_it": "Servizi digitali dei comuni: cosa migliorare",
        "title_en": "Councils' digital services: what to improve",
        "summary_it": "A breve: raccoglieremo proposte per rendere più semplici i servizi online dei comuni.",
        "summary_en": "Coming soon: proposals to make the councils' online services simpler.",
        "body_it": "", "supports_per_participant": 3, "support_threshold": 10, "proposals": [], "supports": {},
        "comments": [],
    },
    {
        "institution": "provincia-cremona", "points": [8], "phase": Phase.DRAFT,
        "title_it": "Case di Comunità: cosa serve nel tuo territorio (bozza)",
        "title_en": None,
        "summary_it": "Bozza in preparazione, visibile solo ai referenti.",
        "summary_en": None, "body_it": "", "supports_per_participant": 0, "support_threshold": 10,
        "proposals": [], "supports": {}, "comments": [],
    },
]


def _citizens() -> dict[str, User]:
    people = {}
    for name, comune_name, band in EXTRA_CITIZENS:
        email = accounts.display_name_key(name).replace(" ", ".").replace("'", "") + "@example.org"
        people[name] = demo_user(email, name, age_band=band,
                                 comune=db.session.scalar(select(Comune).where(Comune.name == comune_name)))
    db.session.flush()
    for user in db.session.scalars(select(User).where(User.email.like("%@example.org"))):
        people.setdefault(user.email, user)
        people.setdefault(user.display_name, user)
    return people


def seed_consultations() -> int:
    people = _citizens()
    officer = accounts.find_user_by_email("referente@example.org")
    supporters = [u for u in people.values() if u.role.value == "citizen"]
    supporters = sorted(set(supporters), key=lambda u: u.id)
    created = 0
    for spec in CONSULTATIONS:
        if db.session.scalar(select(Consultation.id).where(Consultation.title_it == spec["title_it"])):
            continue
        created += 1
        now = utcnow()
        institution = db.session.scalar(select(Institution).where(Institution.slug == spec["institution"]))
        points = list(db.session.scalars(select(PriorityPoint).where(PriorityPoint.number.in_(spec["points"]))))
        consultation = consultations.create_consultation(
            officer, institution, priority_points=points,
            title_it=spec["title_it"], title_en=spec["title_en"], summary_it=spec["summary_it"],
            summary_en=spec["summary_en"], body_it=spec["body_it"], body_en=None,
            announced_at=now - timedelta(days=30), proposals_from=now - timedelta(days=20),
            voting_from=now + timedelta(days=10), voting_until=now + timedelta(days=30), results_at=None,
            supports_per_participant=spec["supports_per_participant"],
            proposals_per_participant=spec.get("proposals_per_participant", 0),
            support_threshold=spec["support_threshold"], premoderate_proposals=False, comments_enabled=True)
        made = [proposals.submit_proposal(people[author], consultation, title=title, body=body,
                                          priority_point=points[0],
                                          comune=db.session.scalar(select(Comune).where(Comune.name == comune)))
                for title, body, author, comune in spec["proposals"]]
        for index, author, stance, body, replies in spec["comments"]:
            _comment(people, consultation, made[index], author, stance, body, replies, parent=None)
        _general_discussion(people, consultation, spec.get("general_discussion", 0))
        seed_questionnaires(officer, consultation, people, phase=Phase.PROPOSALS)
        if spec["supports"]:
            consultations.move_to_phase(officer, consultation, Phase.VOTING)
            seed_questionnaires(officer, consultation, people, phase=Phase.VOTING)
            for index, count in spec["supports"].items():
                given = 0
                for person in supporters:
                    if given == count:
                        break
                    try:
                        with db.session.begin_nested():
                            votes.support(person, made[index])
                        given += 1
                    except Refused:  # that person's limit is used up: try the next one
                        continue
            # Someone changes their mind and back: the public ledger shows a "-" and a "+".
            first_supported = made[next(iter(spec["supports"]))]
            votes.withdraw_support(supporters[0], first_supported)
            votes.support(supporters[0], first_supported)
        if spec["phase"] is not Phase.PROPOSALS:
            consultations.move_to_phase(officer, consultation, spec["phase"])
    db.session.flush()
    return created


def _comment(people, consultation, proposal, author, stance, body, replies, parent):
    comment = comments.post_comment(people[author], consultation, body=body, proposal=proposal,
                                    parent=parent, stance=stance)
    for reply_author, reply_body, deeper in replies:
        _comment(people, consultation, proposal, reply_author, None, reply_body, deeper, parent=comment)


# Pieces of the long general discussion: where panels could go, and what people say about it.
PLACES = ("i tetti dei capannoni della zona artigianale", "le scuole elementari", "la palestra comunale",
          "i parcheggi del cimitero", "le cascine dismesse", "il tetto del municipio", "la casa di riposo",
          "il magazzino della protezione civile", "le pensiline delle fermate", "il depuratore")
REMARKS = ("Da noi {place} sarebbero perfetti: sono esposti a sud e nessuno li usa.",
           "Chi gestirebbe l'impianto su {place}? Serve una persona di riferimento in comune.",
           "Prima di pensare a {place} bisognerebbe sapere quanto costa l'allacciamento.",
           "Ho chiesto in comune per {place}: dicono che servono i permessi della Soprintendenza.",
           "Su {place} si potrebbe partire subito, i fondi del PNRR ci sono fino al 2026.",
           "Le famiglie anziane vanno aiutate a capire cosa guadagnano, altrimenti {place} resta un'idea.")
STANCES = (Stance.IN_FAVOUR, Stance.NEUTRAL, Stance.IN_FAVOUR, Stance.AGAINST, None)


def _general_discussion(people, consultation, how_many: int) -> None:
    citizens = [name for name, _comune, _age in EXTRA_CITIZENS]
    for n in range(how_many):
        body = REMARKS[n % len(REMARKS)].format(place=PLACES[(n * 7) % len(PLACES)])
        comment = comments.post_comment(people[citizens[n % len(citizens)]], consultation, body=body,
                                        stance=STANCES[n % len(STANCES)])
        if n % 9 == 4:
            comments.post_comment(people[citizens[(n + 3) % len(citizens)]], consultation, parent=comment,
                                  body="Vero, anche nel mio comune è andata così.")


def seed_moderation() -> None:
    """Open cases for the queue: auto-hidden after three reports (with an appeal), a single
    report, a proposal held for review, a moderator's decision, a reported questionnaire answer
    and a blocked account."""
    from datetime import timedelta

    from engage.comments.models import Comment
    from engage.moderation import services as moderation
    from engage.moderation.models import ModerationCase, ReportReason
    from engage.proposals.models import Proposal

    if db.session.scalar(select(ModerationCase.id).limit(1)):
        return
    people = _citizens()
    moderator = accounts.find_user_by_email("moderatrice@example.org")
    cycling = db.session.scalar(select(Consultation).where(Consultation.title_it == CONSULTATIONS[0]["title_it"]))
    energy = db.session.scalar(select(Consultation).where(Consultation.title_it == CONSULTATIONS[1]["title_it"]))
    first = db.session.scalars(select(Proposal).where(Proposal.consultation_id == cycling.id)
                               .order_by(Proposal.id)).first()

    rude = comments.post_comment(people["Luca Po"], cycling, proposal=first, stance=Stance.AGAINST,
                                 body="Chi va in bici è solo un perditempo, idea ridicola.")
    for name in ("Anna di Soresina", "Marco sul Serio", "Chiara in bici"):
        moderation.report(people[name], rude, ReportReason.OFFENSIVE, "Tono offensivo.")
    moderation.appeal(people["Luca Po"], moderation.case_for(rude),
                      "Era una battuta, non volevo offendere nessuno.")

    advert = comments.post_comment(people["Paolo Oglio"], cycling, proposal=first,
                                   body="Noleggio bici a prezzi imbattibili, scrivetemi in privato!")
    moderation.report(people["Sara Viadana"], advert, ReportReason.SPAM)

    held = proposals.submit_proposal(
        people["Elena Adda"], energy, title="Pannelli solari sulle pensiline delle fermate",
        body="Coprire le pensiline degli autobus con pannelli e usare l'energia per l'illuminazione.",
        priority_point=energy.priority_points[0])
    if held.moderation.value == "visible":
        moderation.hold(held)

    personal = comments.post_comment(people["Giovanni Torrazzo"], cycling, proposal=first,
                                     body="Il tecnico comunale abita in via Roma 12, andate a chiedergli!")
    moderation.report(people["Anna di Soresina"], personal, ReportReason.PERSONAL_DATA)
    moderation.hide(moderator, moderation.case_for(personal), ReportReason.PERSONAL_DATA,
                    "Indirizzo privato di una persona.")

    from engage.questionnaires.models import Answer

    insult = db.session.scalar(select(Answer).where(Answer.text.like("%perdita di soldi%")))
    if insult is not None:  # an anonymous questionnaire answer, reported from the public results
        moderation.report(people["Anna di Soresina"], insult, ReportReason.OFFENSIVE, "Insulta chi organizza.")

    troll = _troll()
    comments.post_comment(troll, cycling, proposal=first, body="Tutto inutile, spam spam spam.")
    moderation.block(moderator, troll, "Messaggi ripetuti e fuori tema.", utcnow() + timedelta(days=30))
    db.session.flush()
    assert db.session.scalar(select(Comment.id).where(Comment.author_id == troll.id))


def _troll() -> User:
    return demo_user("disturbatore@example.org", "Disturbatore")

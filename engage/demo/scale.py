"""A realistic dataset at a chosen scale, for benchmarks: `flask demo generate --scale large`.

Rows are written in bulk on the session's own connection (executemany on SQLite, COPY on
PostgreSQL), in the caller's transaction, yet every invariant the app keeps holds afterwards:

- one support per person per proposal, given only while its consultation's voting was open;
- the proposals' support_count and comment_count equal their rows;
- each consultation's ledger has one '+' entry per support, seq 1..n in time order, chained from
  GENESIS with `verify_ledger.entry_hash` and the server's voter tokens; consultations whose
  results are out are sealed at their head.

Supports follow a Zipf law over proposals (a few popular ones take most), participants live in
the comuni in proportion to their population, and the text is Italian-looking.
"""
from __future__ import annotations

import hashlib
import hmac
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate

from flask import current_app
from markupsafe import escape
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from engage.auth.models import AgeBand
from engage.consultations.models import Consultation
from engage.consultations.phases import Phase
from engage.core.db import utcnow
from engage.extensions import db
from engage.institutions.models import Institution
from engage.ledger.models import LedgerSeal
from engage.ledger.services import voter_token
from engage.ledger.verify_ledger import GENESIS, entry_hash
from engage.masterplan.models import PriorityPoint
from engage.questionnaires.models import Question, QuestionKind, QuestionOption, Questionnaire
from engage.questionnaires.services import token_for
from engage.territory.models import Comune

PASSWORD = "partecipa-cremona"
EMAIL = "partecipante{n}@esempio.it"  # n from 1: what the benchmark harness signs in with


@dataclass(frozen=True)
class Scale:
    users: int
    consultations: int
    proposals: int
    supports: int
    comments: int
    big_thread: int = 500  # one proposal (in a voting consultation) gets this many comments
    respondents: int = 0   # answers to the questionnaire of a consultation with results out


SCALES = {
    "small": Scale(users=400, consultations=8, proposals=240, supports=4_000, comments=1_500, respondents=150),
    "province": Scale(users=35_000, consultations=40, proposals=10_000, supports=500_000, comments=100_000,
                      respondents=3_000),
    "large": Scale(users=200_000, consultations=80, proposals=100_000, supports=2_000_000, comments=500_000,
                   respondents=10_000),
}

# The phases consultations cycle through; the first is where the big thread and the support
# benchmark live, the second is where results (and the questionnaire's results) are public.
PHASE_CYCLE = (Phase.VOTING, Phase.RESULTS, Phase.CLOSED, Phase.PROPOSALS, Phase.VOTING, Phase.RESULTS,
               Phase.UPCOMING, Phase.VOTING)
SUPPORTABLE = (Phase.VOTING, Phase.CLOSED, Phase.RESULTS)  # supports were given in these

FIRST_NAMES = ("Giulia", "Marco", "Francesca", "Luca", "Chiara", "Matteo", "Sara", "Andrea", "Elena", "Paolo",
               "Anna", "Stefano", "Valentina", "Davide", "Silvia", "Giorgio", "Martina", "Alessandro", "Laura",
               "Simone", "Federica", "Roberto", "Elisa", "Fabio", "Monica", "Riccardo", "Paola", "Nicola",
               "Ilaria", "Giovanni", "Beatrice", "Lorenzo", "Cristina", "Enrico", "Marta", "Tommaso")
LAST_NAMES = ("Rossi", "Ferrari", "Bianchi", "Galli", "Bertoni", "Zanetti", "Manfredi", "Ghisleri", "Arcari",
              "Pedrazzini", "Bodini", "Cavalli", "Lodigiani", "Fontana", "Piccinini", "Bonvicini", "Tedoldi",
              "Ruggeri", "Sanguanini", "Mainardi", "Corbari", "Guarneri", "Stradivari", "Amati", "Boschiroli",
              "Bernocchi", "Tosi", "Fappani", "Varesi", "Dossena")
ACTIONS = ("Nuova pista ciclabile", "Più alberi", "Un centro giovani", "Illuminazione a LED",
           "Una comunità energetica", "Un mercato contadino", "Il recupero della cascina", "Più corse del bus",
           "Un parco giochi inclusivo", "La casa della salute", "Orti urbani", "Wi-Fi gratuito in piazza",
           "Attraversamenti pedonali sicuri", "Una biblioteca diffusa", "Il restauro del teatro",
           "Pannelli solari sulle scuole", "Un doposcuola gratuito", "La pulizia del Po",
           "Navette per la stazione", "Un coworking per chi lavora da remoto")
PLACES = ("in centro", "lungo l'argine", "vicino alla stazione", "nelle frazioni", "davanti alle scuole",
          "nel parco", "tra i quartieri", "sulla strada provinciale", "in piazza", "al polo fieristico")
SENTENCES = (
    "Molti cittadini lo chiedono da anni e le famiglie ne trarrebbero beneficio.",
    "La spesa sarebbe contenuta e si potrebbero usare i fondi del PNRR.",
    "I ragazzi oggi non hanno un luogo dove incontrarsi la sera.",
    "Gli anziani faticano a raggiungere i servizi senza l'automobile.",
    "Il progetto ridurrebbe il traffico e migliorerebbe la qualità dell'aria.",
    "Le associazioni del territorio sono pronte a collaborare con il Comune.",
    "Servono tempi certi e un referente che risponda ai residenti.",
    "Altri comuni della provincia lo hanno già fatto con buoni risultati.",
    "La filiera agricola cremonese potrebbe esserne protagonista.",
    "Propongo di coinvolgere le scuole fin dalla progettazione.",
    "Va studiato insieme ai comuni vicini per non duplicare le spese.",
    "Chiedo che i lavori non blocchino la viabilità durante l'estate.",
)
COMMENTS = ("Sono d'accordo, è una priorità.", "Ottima idea, ma chi paga la manutenzione?",
            "Nel mio quartiere servirebbe ancora di più.", "Bisognerebbe sentire prima i residenti.",
            "Sostengo la proposta: l'ho vista funzionare a Crema.", "Non sono convinto che sia il momento giusto.",
            "Aggiungerei anche un servizio per i disabili.", "Ci vogliono i numeri: quanto costa davvero?",
            "Finalmente qualcuno lo propone!", "Meglio partire da un progetto pilota.")
STANCES = ("in_favour", "in_favour", "against", "neutral", None)


class BulkWriter:
    """Rows straight to the driver, on the session's connection and inside its transaction."""

    def __init__(self, progress=None):
        connection = db.session.connection()
        self.postgres = connection.dialect.name == "postgresql"
        self.raw = connection.connection.driver_connection
        self.progress = progress or (lambda n: None)
        if not self.postgres:
            self.raw.execute("PRAGMA cache_size=-262144")  # 256 MiB: index pages stay in memory

    def when(self, value: datetime | None):
        """A UTC datetime as the UTCDateTime column stores it (naive UTC)."""
        if value is None:
            return None
        naive = value.astimezone(UTC).replace(tzinfo=None)
        return naive if self.postgres else naive.isoformat(" ", "microseconds")

    def insert(self, table: str, columns: tuple[str, ...], rows, chunk: int = 50_000) -> int:
        written = 0
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) >= chunk:
                self._write(table, columns, batch)
                written += len(batch)
                self.progress(len(batch))
                batch = []
        if batch:
            self._write(table, columns, batch)
            written += len(batch)
            self.progress(len(batch))
        return written

    def _write(self, table, columns, batch):
        # Table and column names come from the generator's own constants, never from input; the
        # values go through COPY or bound parameters.
        names = ", ".join(columns)
        if self.postgres:
            with self.raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in batch:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            self.raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)  # nosec B608

    def next_id(self, table: str) -> int:
        return (db.session.scalar(select(func.max(db.metadata.tables[table].c.id))) or 0) + 1

    def reset_sequence(self, table: str) -> None:
        if self.postgres:
            # A table of the generator's own, never input.
            db.session.execute(db.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # nosec B608
                f"COALESCE((SELECT MAX(id) FROM {table}), 1))"))


def zipf_counts(total: int, n: int, cap: int, rng: random.Random, s: float = 1.0) -> list[int]:
    """`total` split over n items by a Zipf law (in a random order), none above `cap`."""
    if n == 0:
        return []
    total = min(total, n * cap)
    weights = [1 / (rank ** s) for rank in range(1, n + 1)]
    rng.shuffle(weights)
    counts = [0] * n
    remaining = total
    open_items = list(range(n))
    while remaining > 0 and open_items:
        weight_sum = sum(weights[i] for i in open_items)
        given = 0
        for i in open_items:
            share = min(int(remaining * weights[i] / weight_sum), cap - counts[i])
            counts[i] += share
            given += share
        remaining -= given
        open_items = [i for i in open_items if counts[i] < cap]
        if given == 0:  # rounding left a few: one each to the most popular open items
            for i in sorted(open_items, key=lambda i: -weights[i])[:remaining]:
                counts[i] += 1
            remaining = total - sum(counts)
    return counts


def _text(rng: random.Random, sentences: int) -> tuple[str, str]:
    body = " ".join(rng.choice(SENTENCES) for _ in range(sentences))
    return body, f"<p>{escape(body)}</p>"


def _timeline(phase: Phase, now: datetime) -> dict:
    """Dates that put a consultation in `phase` now."""
    day = timedelta(days=1)
    offsets = {  # proposals_from, voting_from, voting_until, results_at (days from now)
        Phase.UPCOMING: (10, 40, 70, None),
        Phase.PROPOSALS: (-20, 15, 45, None),
        Phase.VOTING: (-60, -20, 20, None),
        Phase.CLOSED: (-90, -50, -10, None),
        Phase.RESULTS: (-150, -110, -70, -40),
    }[phase]
    proposals_from, voting_from, voting_until, results_at = offsets
    return {"announced_at": now + (proposals_from - 10) * day, "proposals_from": now + proposals_from * day,
            "voting_from": now + voting_from * day, "voting_until": now + voting_until * day,
            "results_at": now + results_at * day if results_at is not None else None}


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + timedelta(seconds=rng.uniform(0, max((end - start).total_seconds(), 0)))


def generate(scale: Scale, *, seed: int = 3, progress=None, now: datetime | None = None) -> dict:
    """Add the dataset in the current transaction (the caller commits); returns what was written."""
    rng = random.Random(seed)
    now = (now or utcnow()).replace(microsecond=0)
    out = BulkWriter(progress)
    written = {}

    # People, spread over the comuni by population (one in twenty lives outside the province).
    comuni = db.session.execute(select(Comune.id, Comune.population).order_by(Comune.id)).all()
    comune_weights = list(accumulate(population for _id, population in comuni))
    password_hash = generate_password_hash(
        PASSWORD, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))  # hashed once
    first_user = out.next_id("user_account")
    existing = db.session.scalar(select(func.count()).select_from(db.metadata.tables["user_account"]))
    user_ids = list(range(first_user, first_user + scale.users))
    user_comune = {}
    bands = [band.value for band in AgeBand]

    def users():
        for n, user_id in enumerate(user_ids, start=existing + 1):
            comune = (rng.choices(comuni, cum_weights=comune_weights)[0][0] if rng.random() > 0.05 else None)
            user_comune[user_id] = comune
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {n}"
            joined = now - timedelta(days=rng.uniform(30, 400))
            yield (user_id, EMAIL.format(n=n), name, name.casefold(), password_hash, "citizen", comune,
                   rng.choice(bands), "it", out.when(joined), out.when(joined), f"g{user_id:031x}"[:32],
                   out.when(joined), "")

    written["users"] = out.insert("user_account", (
        "id", "email", "display_name", "display_name_key", "password_hash", "role", "comune_id", "age_band",
        "locale", "privacy_accepted_at", "email_confirmed_at", "session_token", "created_at", "blocked_reason"),
        users())

    # Consultations (few: through the ORM), each on 3-5 priority points.
    institutions = db.session.scalars(select(Institution).order_by(Institution.position, Institution.id)).all()
    points = db.session.scalars(select(PriorityPoint).order_by(PriorityPoint.position)).all()
    consultations = []
    for index in range(scale.consultations):
        phase = PHASE_CYCLE[index % len(PHASE_CYCLE)]
        chosen = rng.sample(points, min(len(points), rng.randint(3, 5)))
        consultation = Consultation(
            institution=institutions[index % len(institutions)],
            title_it=f"{rng.choice(ACTIONS)} {rng.choice(PLACES)}: consultazione {index + 1}",
            summary_it="Proponi, sostieni e commenta le idee per il territorio.",
            body_it=" ".join(rng.sample(SENTENCES, 4)), supports_per_participant=0, support_threshold=100,
            priority_points=sorted(chosen, key=lambda p: p.position), **_timeline(phase, now))
        db.session.add(consultation)
        consultations.append(consultation)
    db.session.flush()
    phase_of = {c.id: c.phase_at(now) for c in consultations}
    written["consultations"] = len(consultations)

    # Proposals, in the consultations that have reached their proposals phase.
    open_ones = [c for c in consultations if phase_of[c.id] in (Phase.PROPOSALS, *SUPPORTABLE)]
    first_proposal = out.next_id("proposal")
    proposals = []  # (id, consultation, created_at)
    for offset in range(scale.proposals):
        consultation = open_ones[offset % len(open_ones)] if offset < len(open_ones) else rng.choice(open_ones)
        end = min(consultation.voting_from, now)
        proposals.append((first_proposal + offset, consultation,
                          _between(rng, consultation.proposals_from, end - timedelta(hours=1))))

    # Supports: Zipf over the proposals of consultations that were or are voting.
    supportable = [p for p in proposals if phase_of[p[1].id] in SUPPORTABLE]
    support_counts = zipf_counts(scale.supports, len(supportable), cap=int(scale.users * 0.6), rng=rng)
    supports_of = {p[0]: count for p, count in zip(supportable, support_counts, strict=True)}

    # Comments: one big thread on a proposal of the first (voting) consultation, the rest Zipf-spread.
    big = next((p for p in proposals if p[1] is consultations[0]), proposals[0])
    others = [p for p in proposals if p is not big]
    big_count = min(scale.big_thread, scale.comments)
    comment_counts = zipf_counts(scale.comments - big_count, len(others), cap=big_count - 1 if big_count > 1 else 1,
                                 rng=rng)
    comments_of = {p[0]: count for p, count in zip(others, comment_counts, strict=True)}
    comments_of[big[0]] = big_count

    def proposal_rows():
        for proposal_id, consultation, created in proposals:
            body, html = _text(rng, rng.randint(2, 5))
            author = rng.choice(user_ids)
            point = rng.choice(consultation.priority_points).id
            yield (proposal_id, consultation.id, author, point, user_comune.get(author),
                   f"{rng.choice(ACTIONS)} {rng.choice(PLACES)}"[:150], body, html, "published",
                   False,
                   supports_of.get(proposal_id, 0), comments_of.get(proposal_id, 0), out.when(created), "visible")

    written["proposals"] = out.insert("proposal", (
        "id", "consultation_id", "author_id", "priority_point_id", "comune_id", "title", "body", "body_html",
        "status", "is_official", "support_count", "comment_count", "created_at", "moderation"), proposal_rows())

    # Supports and the ledger, consultation by consultation, in time order.
    key = str(current_app.config.get("PSEUDONYM_KEY") or current_app.config["SECRET_KEY"]).encode()
    token_base = hmac.new(key, digestmod=hashlib.sha256)

    def token(user_id: int, consultation_id: int) -> str:  # = ledger.services.voter_token, without the lookups
        mac = token_base.copy()
        mac.update(f"ledger:{user_id}:{consultation_id}".encode())
        return mac.hexdigest()

    if user_ids:
        assert token(user_ids[0], consultations[0].id) == voter_token(user_ids[0], consultations[0].id)

    by_consultation: dict[int, list] = {}
    for proposal_id, consultation, created in supportable:
        count = supports_of[proposal_id]
        if not count:
            continue
        start = max(consultation.voting_from, created)
        end = min(consultation.voting_until, now) - timedelta(minutes=1)
        span = (end - start).total_seconds()
        bucket = by_consultation.setdefault(consultation.id, [])
        for user_id in rng.sample(user_ids, count):
            bucket.append((start + timedelta(seconds=int(rng.random() * span)), proposal_id, user_id))

    first_support = out.next_id("support")
    first_entry = out.next_id("ledger_entry")
    heads = {}

    def support_rows():
        support_id = first_support
        for consultation_id, rows in by_consultation.items():
            for when, proposal_id, user_id in rows:
                yield (support_id, proposal_id, user_id, consultation_id, out.when(when))
                support_id += 1

    def ledger_rows():
        entry_id = first_entry
        for consultation_id, rows in by_consultation.items():
            rows.sort()
            previous = GENESIS
            for seq, (when, proposal_id, user_id) in enumerate(rows, start=1):
                minute = when.replace(second=0, microsecond=0)
                voter = token(user_id, consultation_id)
                digest = entry_hash(consultation_id, seq, proposal_id, "+", voter,
                                    minute.strftime("%Y-%m-%dT%H:%MZ"), previous)
                yield (entry_id, consultation_id, seq, proposal_id, "+", voter, out.when(minute), previous, digest)
                previous = digest
                entry_id += 1
            heads[consultation_id] = (len(rows), previous)

    written["supports"] = out.insert("support", ("id", "proposal_id", "user_id", "consultation_id", "created_at"),
                                     support_rows())
    written["ledger_entries"] = out.insert("ledger_entry", (
        "id", "consultation_id", "seq", "proposal_id", "action", "voter_token", "minute", "prev_hash", "hash"),
        ledger_rows())

    # Comments: a fifth are replies (one level down, no stance), none before their proposal.
    first_comment = out.next_id("comment")

    def comment_rows():
        comment_id = first_comment
        for proposal_id, consultation, created in proposals:
            count = comments_of.get(proposal_id, 0)
            top_level = []
            moments = sorted(_between(rng, created, now) for _ in range(count))
            for moment in moments:
                body = rng.choice(COMMENTS) + " " + rng.choice(SENTENCES)
                parent = rng.choice(top_level) if top_level and rng.random() < 0.2 else None
                stance = None if parent else rng.choice(STANCES)
                yield (comment_id, consultation.id, proposal_id, parent, rng.choice(user_ids), 1 if parent else 0,
                       stance, body, f"<p>{escape(body)}</p>", out.when(moment), "visible")
                if parent is None:
                    top_level.append(comment_id)
                comment_id += 1

    written["comments"] = out.insert("comment", (
        "id", "consultation_id", "proposal_id", "parent_id", "author_id", "depth", "stance", "body", "body_html",
        "created_at", "moderation"), comment_rows())

    # Seals for the consultations whose results are out, at the head just written.
    for consultation in consultations:
        if phase_of[consultation.id] is Phase.RESULTS:
            length, head = heads.get(consultation.id, (0, GENESIS))
            db.session.add(LedgerSeal(consultation_id=consultation.id, length=length, head_hash=head,
                                      sealed_at=consultation.results_at))

    written["respondents"] = _questionnaire(scale, consultations, phase_of, user_ids, user_comune, out, rng)

    for table in ("user_account", "proposal", "support", "ledger_entry", "comment", "questionnaire_response",
                  "questionnaire_answer"):
        out.reset_sequence(table)
    db.session.flush()
    return written


def _questionnaire(scale, consultations, phase_of, user_ids, user_comune, out, rng) -> int:
    """A questionnaire that ran during the vote of the first consultation with results out."""
    results = next((c for c in consultations if phase_of[c.id] is Phase.RESULTS), None)
    if results is None or not scale.respondents or not user_ids:
        return 0
    questionnaire = Questionnaire(consultation=results, title_it="Come ti muovi ogni giorno?",
                                  intro_it="Poche domande sulle tue abitudini.", open_phase=Phase.VOTING,
                                  published_at=results.voting_from)
    single = Question(kind=QuestionKind.SINGLE, position=1, text_it="Come vai al lavoro o a scuola?",
                      options=[QuestionOption(position=i, label_it=label) for i, label in
                               enumerate(("In auto", "In bicicletta", "In treno o in bus", "A piedi"))])
    multiple = Question(kind=QuestionKind.MULTIPLE, position=2, text_it="Che cosa miglioreresti?",
                        options=[QuestionOption(position=i, label_it=label) for i, label in
                                 enumerate(("Le piste ciclabili", "Gli orari dei treni", "I parcheggi",
                                            "I marciapiedi", "Le corse serali"))])
    scale_question = Question(kind=QuestionKind.SCALE, position=3, text_it="Quanto sei soddisfatto dei trasporti?",
                              low_label_it="Per niente", high_label_it="Molto")
    questionnaire.questions = [single, multiple, scale_question]
    db.session.add(questionnaire)
    db.session.flush()

    first_response = out.next_id("questionnaire_response")
    first_answer = out.next_id("questionnaire_answer")
    respondents = rng.sample(user_ids, min(scale.respondents, len(user_ids)))
    answers = []
    bands = [band.value for band in AgeBand]

    def response_rows():
        answer_id = first_answer
        for response_id, user_id in enumerate(respondents, start=first_response):
            moment = _between(rng, results.voting_from, results.voting_until)
            yield (response_id, questionnaire.id, token_for(user_id, questionnaire.id), user_id,
                   user_comune.get(user_id), rng.choice(bands), out.when(moment), out.when(moment), out.when(moment))
            picks = [(single.id, rng.choices(single.options, weights=(5, 2, 2, 1))[0].id, None)]
            picks += [(multiple.id, option.id, None) for option in rng.sample(multiple.options, rng.randint(1, 3))]
            picks.append((scale_question.id, None, rng.choices((1, 2, 3, 4, 5), weights=(1, 2, 4, 3, 1))[0]))
            for question_id, option_id, value in picks:
                answers.append((answer_id, response_id, question_id, option_id, value, "visible"))
                answer_id += 1

    count = out.insert("questionnaire_response", (
        "id", "questionnaire_id", "respondent_token", "respondent_id", "comune_id", "age_band", "started_at",
        "updated_at", "submitted_at"), response_rows())
    out.insert("questionnaire_answer", ("id", "response_id", "question_id", "option_id", "value", "moderation"),
               answers)
    return count

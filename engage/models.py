"""Imports every domain's models so metadata is complete (for Alembic and the app)."""
from engage.auth.models import User  # noqa: F401
from engage.institutions.models import Institution, InstitutionMembership  # noqa: F401
from engage.masterplan.models import Axis, PriorityPoint  # noqa: F401
from engage.territory.models import Comune  # noqa: F401
from engage.comments.models import Comment, CommentVote  # noqa: F401
from engage.consultations.models import Consultation, PhaseChange  # noqa: F401
from engage.follows.models import Follow  # noqa: F401
from engage.proposals.models import Proposal  # noqa: F401
from engage.votes.models import Support  # noqa: F401
from engage.moderation.models import ModerationAction, ModerationCase, Report  # noqa: F401
from engage.notifications.models import Notification  # noqa: F401
from engage.questionnaires.models import Answer, Question, Questionnaire, QuestionOption, Response  # noqa: F401
from engage.accountability.models import Milestone, OfficialAnswer  # noqa: F401
from engage.results.models import ReportDelivery  # noqa: F401
from engage.ledger.models import LedgerEntry, LedgerSeal  # noqa: F401

"""Read-side of appraisal: queues, progress, results, minutes and the campaign funnel.
Eager loading is chosen here so that templates never query."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, distinct, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from ..auth.models import User
from ..auth.scopes import secretariat_scopes
from ..campaigns.models import Campaign, Stage
from ..domain.tally import Outcome
from ..domain.text import search_terms
from ..domain.workflow import Action, State
from ..extensions import db
from ..registry.models import Exemplar, History
from ..tallies import campaign_state_counts
from ..units.models import Unit
from .models import (
    RESULT_IN_FORCE,
    Commendation,
    Council,
    CouncilMember,
    DossierSnapshot,
    Round,
    StageResult,
    Vote,
)
from .recusal import member_queue_condition, queue_condition

#: States an exemplar can only be in after it was recommended for commendation.
RECOMMENDED_OR_LATER = (
    State.RECOMMENDED.value,
    State.COMMENDED.value,
    State.REPLICATED.value,
)
COMMENDED_OR_LATER = (State.COMMENDED.value, State.REPLICATED.value)


def campaign_funnel(campaign: Campaign) -> dict:
    """The campaign's funnel, counted from the records.

    * ``registered`` — exemplars that are not drafts now: every exemplar submitted and not
      taken back. An exemplar withdrawn to draft is not registered (its unit withdrew the
      registration); withdrawn and submitted again, it counts once.
    * ``stages`` — for each stage, the distinct exemplars that passed it (a stage result
      with outcome "passed" that no correction undid); exemplars that skipped a stage
      do not count at it.
    * ``recommended`` / ``commended`` / ``replicated`` — exemplars that reached that step
      (a commended exemplar was recommended first, so it counts in both).
    """
    # Per-state counts come from the summary table the database keeps exact.
    counts = campaign_state_counts(db.session.connection(), campaign.id)
    passed = dict(
        db.session.execute(
            select(StageResult.stage_id, func.count(distinct(StageResult.exemplar_id)))
            .join(Stage, Stage.id == StageResult.stage_id)
            .where(
                Stage.campaign_id == campaign.id,
                StageResult.outcome == Outcome.PASSED.value,
                RESULT_IN_FORCE,
            )
            .group_by(StageResult.stage_id)
        ).all()
    )
    stages = db.session.scalars(
        select(Stage).where(Stage.campaign_id == campaign.id).order_by(Stage.position)
    ).all()
    return {
        "registered": sum(n for s, n in counts.items() if s != State.DRAFT.value),
        "stages": [
            {
                "id": s.id,
                "name": s.name,
                "pass_label": s.pass_label,
                "passed": passed.get(s.id, 0),
            }
            for s in stages
        ],
        "recommended": sum(counts.get(s, 0) for s in RECOMMENDED_OR_LATER),
        "commended": sum(counts.get(s, 0) for s in COMMENDED_OR_LATER),
        "replicated": counts.get(State.REPLICATED.value, 0),
    }


# --- the member's workspace ------------------------------------------------------------


def memberships(user: User) -> list[CouncilMember]:
    """Active memberships of ``user`` with council, stage, campaign and rounds loaded."""
    return list(
        db.session.scalars(
            select(CouncilMember)
            .where(CouncilMember.user_id == user.id, CouncilMember.active.is_(True))
            .options(
                joinedload(CouncilMember.council).options(
                    joinedload(Council.stage).joinedload(Stage.campaign),
                    joinedload(Council.unit),
                    selectinload(Council.rounds),
                    selectinload(Council.members)
                    .joinedload(CouncilMember.user)
                    .joinedload(User.unit),
                )
            )
            .order_by(CouncilMember.id)
        ).unique()
    )


@dataclass
class Progress:
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def member_progress(member: CouncilMember) -> Progress:
    """Entries in the member's queue, and how many they voted on in the open round."""
    total = (
        db.session.scalar(
            select(func.count(Exemplar.id)).where(member_queue_condition(member))
        )
        or 0
    )
    rnd = member.council.open_round
    done = 0
    if rnd is not None:
        done = (
            db.session.scalar(
                select(func.count(Vote.id)).where(
                    Vote.member_id == member.id,
                    Vote.round_id == rnd.id,
                    Vote.exemplar_id.in_(
                        select(Exemplar.id).where(member_queue_condition(member))
                    ),
                )
            )
            or 0
        )
    return Progress(done=done, total=total)


def member_queue(member: CouncilMember, *, status: str = "all") -> Select:
    """Entries to appraise, oldest submission first; ``status`` todo / done / all."""
    q = (
        select(Exemplar)
        .where(member_queue_condition(member))
        .options(joinedload(Exemplar.unit), joinedload(Exemplar.field))
        .order_by(Exemplar.submitted_at, Exemplar.id)
    )
    rnd = member.council.open_round
    voted = select(Vote.exemplar_id).where(
        Vote.member_id == member.id, Vote.round_id == (rnd.id if rnd else -1)
    )
    if status == "todo":
        q = q.where(Exemplar.id.not_in(voted))
    elif status == "done":
        q = q.where(Exemplar.id.in_(voted))
    return q


def my_votes(member: CouncilMember, exemplar_ids: list[int]) -> dict[int, Vote]:
    """The member's own votes on these exemplars at the council's stage."""
    if not exemplar_ids:
        return {}
    rows = db.session.scalars(
        select(Vote)
        .where(
            Vote.member_id == member.id,
            Vote.stage_id == member.council.stage_id,
            Vote.exemplar_id.in_(exemplar_ids),
        )
        .options(selectinload(Vote.scores))
    )
    return {v.exemplar_id: v for v in rows}


def open_ballot_votes(council: Council, exemplar: Exemplar, rnd: Round) -> list[Vote]:
    """Other members' votes in the round — only ever shown under an open ballot."""
    return list(
        db.session.scalars(
            select(Vote)
            .where(
                Vote.exemplar_id == exemplar.id,
                Vote.stage_id == council.stage_id,
                Vote.round_id == rnd.id,
            )
            .options(
                joinedload(Vote.member).joinedload(CouncilMember.user),
                selectinload(Vote.scores),
            )
            .order_by(Vote.id)
        ).unique()
    )


def load_dossier(exemplar_id: int) -> Exemplar | None:
    return db.session.scalar(
        select(Exemplar)
        .where(Exemplar.id == exemplar_id)
        .options(
            joinedload(Exemplar.unit),
            joinedload(Exemplar.field),
            joinedload(Exemplar.campaign),
            joinedload(Exemplar.stage).selectinload(Stage.criteria),
            selectinload(Exemplar.attachments),
        )
    )


def latest_snapshot(exemplar: Exemplar, stage: Stage) -> DossierSnapshot | None:
    return db.session.scalar(
        select(DossierSnapshot)
        .where(
            DossierSnapshot.exemplar_id == exemplar.id,
            DossierSnapshot.stage_id == stage.id,
        )
        .order_by(DossierSnapshot.id.desc())
        .limit(1)
    )


def exemplar_history(exemplar: Exemplar) -> list[History]:
    return list(
        db.session.scalars(
            select(History)
            .where(History.exemplar_id == exemplar.id)
            .options(joinedload(History.stage))
            .order_by(History.id)
        )
    )


def return_reason(exemplar: Exemplar) -> str | None:
    """The note of the last return for supplement (what the unit was asked to add)."""
    return db.session.scalar(
        select(History.note)
        .where(
            History.exemplar_id == exemplar.id,
            History.action == Action.RETURN_FOR_SUPPLEMENT.value,
        )
        .order_by(History.id.desc())
        .limit(1)
    )


# --- councils, rounds and minutes --------------------------------------------------------


def load_council(council_id: int) -> Council | None:
    return db.session.scalar(
        select(Council)
        .where(Council.id == council_id)
        .options(
            joinedload(Council.stage)
            .joinedload(Stage.campaign)
            .joinedload(Campaign.unit),
            joinedload(Council.unit),
            selectinload(Council.rounds),
            selectinload(Council.members)
            .joinedload(CouncilMember.user)
            .joinedload(User.unit),
        )
    )


def round_results(rnd: Round) -> list[StageResult]:
    return list(
        db.session.scalars(
            select(StageResult)
            .where(StageResult.round_id == rnd.id)
            .options(joinedload(StageResult.exemplar).joinedload(Exemplar.unit))
            .order_by(StageResult.rank.is_(None), StageResult.rank, StageResult.id)
        )
    )


def council_queue_size(council: Council) -> int:
    return (
        db.session.scalar(
            select(func.count(Exemplar.id)).where(queue_condition(council))
        )
        or 0
    )


def exemplar_stage_results(exemplar: Exemplar) -> list[StageResult]:
    """Aggregate results per closed round (never individual votes): what the
    registering unit and the public may see."""
    return list(
        db.session.scalars(
            select(StageResult)
            .where(StageResult.exemplar_id == exemplar.id)
            .options(joinedload(StageResult.stage), joinedload(StageResult.round))
            .order_by(StageResult.id)
        )
    )


def passed_stages(
    exemplar_ids: list[int],
) -> dict[int, list[tuple[Stage, StageResult]]]:
    """Passed stages with their labels and dates, per exemplar (for the showcase)."""
    out: dict[int, list[tuple[Stage, StageResult]]] = {}
    if not exemplar_ids:
        return out
    rows = db.session.scalars(
        select(StageResult)
        .where(
            StageResult.exemplar_id.in_(exemplar_ids),
            StageResult.outcome == Outcome.PASSED.value,
            RESULT_IN_FORCE,
        )
        .options(joinedload(StageResult.stage))
        .order_by(StageResult.decided_at, StageResult.id)
    )
    for r in rows:
        out.setdefault(r.exemplar_id, []).append((r.stage, r))
    return out


# --- secretariat -----------------------------------------------------------------------


def secretariat_campaigns(user: User) -> list[Campaign]:
    """Campaigns whose unit lies in the user's secretariat or admin scope."""
    paths = secretariat_scopes(user)
    if not paths:
        return []
    q = (
        select(Campaign)
        .join(Unit, Unit.id == Campaign.unit_id)
        .where(or_(*[Unit.path.startswith(p) for p in paths]))
        .options(joinedload(Campaign.unit))
        .order_by(Campaign.year.desc(), Campaign.id)
    )
    return list(db.session.scalars(q).unique())


def stage_councils(stage: Stage, *, q: str = "") -> Select:
    """Councils of ``stage`` by name, for one page at a time; ``q`` matches the folded
    name and code of the council's unit (every word must occur)."""
    stmt = (
        select(Council)
        .join(Unit, Unit.id == Council.unit_id)
        .where(Council.stage_id == stage.id)
        .options(
            joinedload(Council.unit),
            selectinload(Council.members),
            selectinload(Council.rounds),
        )
        .order_by(Council.name, Council.id)
    )
    for term in search_terms(q):
        stmt = stmt.where(Unit.search_name.contains(term, autoescape=True))
    return stmt


def queue_sizes(councils: list[Council]) -> dict[int, int]:
    """Entries waiting for each of ``councils`` (one grouped query, whatever their number)."""
    ids = [c.id for c in councils]
    if not ids:
        return {}
    council_unit = aliased(Unit)
    rows = db.session.execute(
        select(Council.id, func.count(Exemplar.id))
        .join(council_unit, council_unit.id == Council.unit_id)
        .join(
            Exemplar,
            (Exemplar.stage_id == Council.stage_id)
            & (Exemplar.state == State.SUBMITTED.value),
        )
        .join(Unit, Unit.id == Exemplar.unit_id)
        .where(Council.id.in_(ids), Unit.path.startswith(council_unit.path))
        .group_by(Council.id)
    ).all()
    out = dict.fromkeys(ids, 0)
    out.update({cid: n for cid, n in rows})
    return out


def recommended_exemplars(
    campaign: Campaign, *, state: str = State.RECOMMENDED.value
) -> Select:
    return (
        select(Exemplar)
        .where(Exemplar.campaign_id == campaign.id, Exemplar.state == state)
        .options(joinedload(Exemplar.unit), joinedload(Exemplar.field))
        .order_by(Exemplar.published_at.desc(), Exemplar.id)
    )


def commendations_for(exemplar_ids: list[int]) -> dict[int, Commendation]:
    if not exemplar_ids:
        return {}
    rows = db.session.scalars(
        select(Commendation)
        .where(
            Commendation.exemplar_id.in_(exemplar_ids),
            Commendation.annulled_at.is_(None),
        )
        .options(joinedload(Commendation.form))
    )
    return {c.exemplar_id: c for c in rows}


def candidate_units(stage: Stage) -> list[Unit]:
    """Units at the stage's tier inside the campaign that have no council of the stage yet."""
    campaign_unit = stage.campaign.unit
    return list(
        db.session.scalars(
            select(Unit)
            .where(
                Unit.tier == stage.tier,
                Unit.path.startswith(campaign_unit.path),
                Unit.active.is_(True),
                Unit.id.not_in(
                    select(Council.unit_id).where(Council.stage_id == stage.id)
                ),
            )
            .order_by(Unit.name)
        )
    )

"""Rule 13: a renewal needs TRAINING_HOURS_PER_YEAR hours of training on record in each full year the
renewed credential was in force (examsys/personnel/training.py keeps the records)."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from examsys.credentials.models import Credential, CredentialStatus
from examsys.personnel import training
from examsys.personnel.models import Person


def training_reasons(session: Session, person: Person, at: datetime) -> list[str]:
    """One reason per full year of the person's credential in force with too few training hours."""
    valid_from = session.scalar(select(Credential.valid_from).where(
        Credential.person_id == person.id, Credential.status.in_((CredentialStatus.ACTIVE, CredentialStatus.SUSPENDED)))
        .order_by(Credential.valid_from.desc()).limit(1))
    if valid_from is None:
        return []
    required = training.required_hours()
    return [_("Training in %(year)d: %(hours)d of the %(required)d hours a year a renewal needs.", year=year, hours=hours, required=required)
            for year, hours in training.years_short(session, person.id, training.full_years(valid_from, at.date()))]

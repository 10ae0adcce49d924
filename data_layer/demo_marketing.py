"""Demo campaigns (广告活动): one per project, campaign name and channel found in the demo's
marketing expenses, covering the months of those expenses, and the expenses linked to it."""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal
from random import Random

from sqlalchemy import func, select, update

from . import audit
from .bulk import bulk_insert
from .commands.marketing import code_labels
from .db import Database
from .models import Campaign, MarketingExpense
from .rules.money import money


def load(db: Database, rng: Random, today: date) -> int:
    """Create the campaigns (idempotent: expenses already linked are left alone); returns how
    many were created. Writes one audit entry, like every bulk load."""
    with db.writer() as session:
        labels = code_labels(session, "channel")
        groups = session.execute(
            select(
                MarketingExpense.project_id,
                MarketingExpense.campaign,
                MarketingExpense.channel,
                func.min(MarketingExpense.spent_on),
                func.max(MarketingExpense.spent_on),
                func.sum(MarketingExpense.amount),
            )
            .where(MarketingExpense.campaign != "", MarketingExpense.campaign_id.is_(None))
            .group_by(
                MarketingExpense.project_id, MarketingExpense.campaign, MarketingExpense.channel
            )
            .order_by(MarketingExpense.project_id, MarketingExpense.campaign)
        ).all()
        if not groups:
            return 0
        next_id = (session.scalar(select(func.max(Campaign.id))) or 0) + 1
        rows, links = [], []
        for offset, (project_id, name, channel, first, last, spent) in enumerate(groups):
            campaign_name = f"{name}·{labels.get(channel, channel)}"[:100]
            end = last.replace(day=calendar.monthrange(last.year, last.month)[1])
            headroom = Decimal(str(round(rng.uniform(0.95, 1.25), 2)))
            rows.append(
                {
                    "id": next_id + offset,
                    "project_id": project_id,
                    "name": campaign_name,
                    "channel": channel,
                    "starts_on": first.replace(day=1),
                    "ends_on": end,
                    "budget": money(Decimal(spent or 0) * headroom / 1000) * 1000,
                    "notes": "",
                    "created_by": None,
                }
            )
            links.append((next_id + offset, project_id, name, channel, campaign_name))
        bulk_insert(session, Campaign, rows)
        for campaign_id, project_id, name, channel, campaign_name in links:
            session.execute(
                update(MarketingExpense)
                .where(
                    MarketingExpense.project_id == project_id,
                    MarketingExpense.campaign == name,
                    MarketingExpense.channel == channel,
                    MarketingExpense.campaign_id.is_(None),
                )
                .values(campaign_id=campaign_id, campaign=campaign_name)
            )
        audit.record(
            session,
            None,
            "demo.marketing",
            subject="demo:campaigns",
            after={"campaigns": len(rows), "today": today.isoformat()},
        )
        return len(rows)
